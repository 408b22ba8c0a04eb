import {
  DataTypes,
  Model,
  type CreationOptional,
  type InferAttributes,
  type InferCreationAttributes,
  type NonAttribute,
  type Sequelize,
} from 'sequelize';
import { defineGuardModels, type GuardRow } from './guard.models.js';
import { defineMailModels, type EmailTokenRow, type MailOutboxRow } from './mail.models.js';
import { definePasskeyModels, type PasskeyRow, type WebauthnChallengeRow } from './passkey.models.js';
import { secondFactorModels, type MfaChallengeRow, type RecoveryCodeRow, type TotpFactorRow } from './second-factor.models.js';

export type { EmailTokenRow, MailOutboxRow, MfaChallengeRow, PasskeyRow, RecoveryCodeRow, TotpFactorRow, WebauthnChallengeRow };

/*
 * The tutorial's tables keep their names and columns (`users`, `roles`, `user_roles`,
 * camelCase `createdAt`/`updatedAt`), so that a database created by the tutorial's server can
 * be adopted in place. Only repository files use these models; the schema itself is owned by
 * the migrations in ./migrations, never by sync().
 */

export class UserRow extends Model<InferAttributes<UserRow>, InferCreationAttributes<UserRow>> {
  declare id: CreationOptional<number>;
  declare username: string | null;
  declare email: string | null;
  /** A password hash: argon2id, or a tutorial-era bcrypt hash until its owner signs in. */
  declare password: string | null;
  declare usernameNormalized: string | null;
  declare emailNormalized: string | null;
  /** The confusable skeleton of the username: look-alikes share it (unique). */
  declare usernameSkeleton: string | null;
  declare disabled: CreationOptional<boolean>;
  /** Proven by a link sent to the address (or the account predates verification). */
  declare emailVerified: CreationOptional<boolean>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
  declare roles?: NonAttribute<RoleRow[]>;
}

export class RoleRow extends Model<InferAttributes<RoleRow>, InferCreationAttributes<RoleRow>> {
  declare id: number;
  declare name: string;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}

export class UserRoleRow extends Model<InferAttributes<UserRoleRow>, InferCreationAttributes<UserRoleRow>> {
  declare userId: number;
  declare roleId: number;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}

export class SessionRow extends Model<InferAttributes<SessionRow>, InferCreationAttributes<SessionRow>> {
  declare id: string;
  declare userId: number;
  declare createdAt: Date;
  declare lastUsedAt: Date;
  declare idleExpiresAt: Date;
  declare expiresAt: Date;
  declare revokedAt: CreationOptional<Date | null>;
  declare revokedReason: CreationOptional<string | null>;
  declare userAgent: string | null;
  declare ip: string | null;
  /** How the signin was proven: RFC 8176 method references separated by spaces; null before 0007 ("pwd"). */
  declare amr: CreationOptional<string | null>;
}

export class RefreshTokenRow extends Model<InferAttributes<RefreshTokenRow>, InferCreationAttributes<RefreshTokenRow>> {
  declare id: string;
  declare sessionId: string;
  declare secretHash: string;
  declare createdAt: Date;
  declare rotatedAt: CreationOptional<Date | null>;
  declare session?: NonAttribute<SessionRow>;
}

export class RevocationRow extends Model<InferAttributes<RevocationRow>, InferCreationAttributes<RevocationRow>> {
  declare id: CreationOptional<number>;
  declare sessionId: string;
  declare expiresAt: Date;
  declare createdAt: Date;
}

export class SigningKeyRow extends Model<InferAttributes<SigningKeyRow>, InferCreationAttributes<SigningKeyRow>> {
  declare kid: string;
  declare generation: number;
  declare alg: string;
  declare publicJwk: string;
  /** The PKCS#8 private key, sealed with a key derived from AUTH_SECRET. */
  declare privateKey: string;
  declare createdAt: Date;
  declare activatesAt: Date;
}

export class AuditEventRow extends Model<InferAttributes<AuditEventRow>, InferCreationAttributes<AuditEventRow>> {
  declare id: CreationOptional<number>;
  declare type: string;
  declare actorId: number | null;
  declare targetId: number | null;
  declare username: string | null;
  declare ip: string | null;
  declare userAgent: string | null;
  /** JSON text. */
  declare details: string | null;
  declare createdAt: Date;
}


export interface Models {
  User: typeof UserRow;
  Role: typeof RoleRow;
  UserRole: typeof UserRoleRow;
  Session: typeof SessionRow;
  RefreshToken: typeof RefreshTokenRow;
  Revocation: typeof RevocationRow;
  SigningKey: typeof SigningKeyRow;
  AuditEvent: typeof AuditEventRow;
  EmailToken: typeof EmailTokenRow;
  MailOutbox: typeof MailOutboxRow;
  TotpFactor: typeof TotpFactorRow;
  RecoveryCode: typeof RecoveryCodeRow;
  MfaChallenge: typeof MfaChallengeRow;
  Guard: typeof GuardRow;
  Passkey: typeof PasskeyRow;
  WebauthnChallenge: typeof WebauthnChallengeRow;
}

export function defineModels(sequelize: Sequelize): Models {
  // Each Sequelize instance needs its own model classes (tests run several apps in one process).
  class User extends UserRow {}
  class Role extends RoleRow {}
  class UserRole extends UserRoleRow {}

  User.init(
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      username: { type: DataTypes.STRING },
      email: { type: DataTypes.STRING },
      password: { type: DataTypes.STRING },
      usernameNormalized: { type: DataTypes.STRING },
      emailNormalized: { type: DataTypes.STRING },
      usernameSkeleton: { type: DataTypes.STRING },
      disabled: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
      emailVerified: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
      createdAt: DataTypes.DATE,
      updatedAt: DataTypes.DATE,
    },
    { sequelize, tableName: 'users', modelName: 'user' },
  );
  Role.init(
    {
      id: { type: DataTypes.INTEGER, primaryKey: true },
      name: { type: DataTypes.STRING, allowNull: false },
      createdAt: DataTypes.DATE,
      updatedAt: DataTypes.DATE,
    },
    { sequelize, tableName: 'roles', modelName: 'role' },
  );
  UserRole.init(
    {
      userId: { type: DataTypes.INTEGER, primaryKey: true },
      roleId: { type: DataTypes.INTEGER, primaryKey: true },
      createdAt: DataTypes.DATE,
      updatedAt: DataTypes.DATE,
    },
    { sequelize, tableName: 'user_roles', modelName: 'userRole' },
  );
  User.belongsToMany(Role, { through: UserRole, foreignKey: 'userId', otherKey: 'roleId', as: 'roles' });
  Role.belongsToMany(User, { through: UserRole, foreignKey: 'roleId', otherKey: 'userId', as: 'users' });

  class Session extends SessionRow {}
  class RefreshToken extends RefreshTokenRow {}
  class Revocation extends RevocationRow {}
  const id = { type: DataTypes.STRING(32), primaryKey: true };
  Session.init(
    {
      id,
      userId: { type: DataTypes.INTEGER, allowNull: false },
      createdAt: DataTypes.DATE(3),
      lastUsedAt: DataTypes.DATE(3),
      idleExpiresAt: DataTypes.DATE(3),
      expiresAt: DataTypes.DATE(3),
      revokedAt: DataTypes.DATE(3),
      revokedReason: DataTypes.STRING(32),
      userAgent: DataTypes.STRING(255),
      ip: DataTypes.STRING(64),
      amr: DataTypes.STRING(64),
    },
    { sequelize, tableName: 'sessions', modelName: 'session', timestamps: false },
  );
  RefreshToken.init(
    {
      id,
      sessionId: { type: DataTypes.STRING(32), allowNull: false },
      secretHash: { type: DataTypes.STRING(64), allowNull: false },
      createdAt: DataTypes.DATE(3),
      rotatedAt: DataTypes.DATE(3),
    },
    { sequelize, tableName: 'refresh_tokens', modelName: 'refreshToken', timestamps: false },
  );
  Revocation.init(
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      sessionId: { type: DataTypes.STRING(32), allowNull: false },
      expiresAt: DataTypes.DATE(3),
      createdAt: DataTypes.DATE(3),
    },
    { sequelize, tableName: 'revocations', modelName: 'revocation', timestamps: false },
  );
  RefreshToken.belongsTo(Session, { foreignKey: 'sessionId', as: 'session' });

  class SigningKey extends SigningKeyRow {}
  SigningKey.init(
    {
      kid: { type: DataTypes.STRING(64), primaryKey: true },
      generation: { type: DataTypes.INTEGER, allowNull: false },
      alg: { type: DataTypes.STRING(16), allowNull: false },
      publicJwk: { type: DataTypes.TEXT, allowNull: false },
      privateKey: { type: DataTypes.TEXT, allowNull: false },
      createdAt: DataTypes.DATE(3),
      activatesAt: DataTypes.DATE(3),
    },
    { sequelize, tableName: 'signing_keys', modelName: 'signingKey', timestamps: false },
  );

  class AuditEvent extends AuditEventRow {}
  AuditEvent.init(
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      type: { type: DataTypes.STRING(64), allowNull: false },
      actorId: DataTypes.INTEGER,
      targetId: DataTypes.INTEGER,
      username: DataTypes.STRING(255),
      ip: DataTypes.STRING(64),
      userAgent: DataTypes.STRING(255),
      details: DataTypes.TEXT,
      createdAt: DataTypes.DATE(3),
    },
    { sequelize, tableName: 'audit_events', modelName: 'auditEvent', timestamps: false },
  );

  return {
    User,
    Role,
    UserRole,
    Session,
    RefreshToken,
    Revocation,
    SigningKey,
    AuditEvent,
    ...defineMailModels(sequelize),
    ...secondFactorModels(sequelize),
    ...defineGuardModels(sequelize),
    ...definePasskeyModels(sequelize),
  };
}
