import {
  DataTypes,
  Model,
  type CreationOptional,
  type InferAttributes,
  type InferCreationAttributes,
  type Sequelize,
} from 'sequelize';

/* Authenticator apps, recovery codes and pending second-factor signins (migration 0007). */


/** A user's authenticator app; pending (confirmedAt null) until its first code is entered. */
export class TotpFactorRow extends Model<InferAttributes<TotpFactorRow>, InferCreationAttributes<TotpFactorRow>> {
  declare userId: number;
  /** The base32 secret, sealed with a key derived from AUTH_SECRET, bound to the user id. */
  declare secret: string;
  declare confirmedAt: Date | null;
  declare lastStep: number | null;
  declare createdAt: Date;
}

export class RecoveryCodeRow extends Model<InferAttributes<RecoveryCodeRow>, InferCreationAttributes<RecoveryCodeRow>> {
  declare id: CreationOptional<number>;
  declare userId: number;
  /** SHA-256 of the user id and the normalized code. */
  declare codeHash: string;
  declare usedAt: CreationOptional<Date | null>;
  declare createdAt: Date;
}

/** A signin whose password was right, waiting for the second factor (the `mfaToken`). */
export class MfaChallengeRow extends Model<InferAttributes<MfaChallengeRow>, InferCreationAttributes<MfaChallengeRow>> {
  declare id: string;
  declare secretHash: string;
  declare userId: number;
  declare amr: string;
  declare attempts: CreationOptional<number>;
  declare usedAt: CreationOptional<Date | null>;
  declare expiresAt: Date;
  declare createdAt: Date;
}

export function secondFactorModels(sequelize: Sequelize): {
  TotpFactor: typeof TotpFactorRow;
  RecoveryCode: typeof RecoveryCodeRow;
  MfaChallenge: typeof MfaChallengeRow;
} {
  class TotpFactor extends TotpFactorRow {}
  TotpFactor.init(
    {
      userId: { type: DataTypes.INTEGER, primaryKey: true },
      secret: { type: DataTypes.TEXT, allowNull: false },
      confirmedAt: DataTypes.DATE(3),
      lastStep: DataTypes.INTEGER,
      createdAt: DataTypes.DATE(3),
    },
    { sequelize, tableName: 'totp_factors', modelName: 'totpFactor', timestamps: false },
  );
  class RecoveryCode extends RecoveryCodeRow {}
  RecoveryCode.init(
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      userId: { type: DataTypes.INTEGER, allowNull: false },
      codeHash: { type: DataTypes.STRING(64), allowNull: false },
      usedAt: DataTypes.DATE(3),
      createdAt: DataTypes.DATE(3),
    },
    { sequelize, tableName: 'recovery_codes', modelName: 'recoveryCode', timestamps: false },
  );
  class MfaChallenge extends MfaChallengeRow {}
  MfaChallenge.init(
    {
      id: { type: DataTypes.STRING(32), primaryKey: true },
      secretHash: { type: DataTypes.STRING(64), allowNull: false },
      userId: { type: DataTypes.INTEGER, allowNull: false },
      amr: { type: DataTypes.STRING(64), allowNull: false },
      attempts: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      usedAt: DataTypes.DATE(3),
      expiresAt: DataTypes.DATE(3),
      createdAt: DataTypes.DATE(3),
    },
    { sequelize, tableName: 'mfa_challenges', modelName: 'mfaChallenge', timestamps: false },
  );
  return { TotpFactor, RecoveryCode, MfaChallenge };
}
