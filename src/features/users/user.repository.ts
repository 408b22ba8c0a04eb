import { Op, UniqueConstraintError, type Transaction } from 'sequelize';
import type { Database } from '../../db/database.js';
import type { UserRow } from '../../db/models.js';
import { emailKey, usernameKey } from '../../lib/identity.js';

export interface UserRecord {
  id: number;
  username: string;
  email: string;
  passwordHash: string | null;
  /** A disabled account cannot sign in or refresh. */
  disabled: boolean;
  /** Role names, ordered by role id. */
  roles: string[];
  createdAt: Date;
}

/** A username or email that another account holds (the database's unique index said so). */
export class DuplicateIdentityError extends Error {
  constructor(
    readonly field: 'username' | 'email',
    options?: ErrorOptions,
  ) {
    super(`${field} is already in use`, options);
    this.name = 'DuplicateIdentityError';
  }
}

/**
 * Which unique index refused the row. Sequelize reports the column (SQLite, PostgreSQL) or the
 * index name (MySQL/MariaDB) in `fields`; the SQL text is not consulted, as it names every column.
 */
function duplicateOf(error: UniqueConstraintError): DuplicateIdentityError {
  const parent = error.parent as { constraint?: string } | undefined;
  const fields: unknown = error.fields;
  const columns = Array.isArray(fields) ? fields.map(String) : Object.keys(fields ?? {});
  const names = [...columns, parent?.constraint ?? ''].join(' ').toLowerCase();
  return new DuplicateIdentityError(names.includes('email') ? 'email' : 'username', { cause: error });
}

export interface NewUser {
  username: string;
  email: string;
  passwordHash: string;
  roleIds: number[];
}

export interface UserRepository {
  findByUsername(username: string): Promise<UserRecord | null>;
  findById(id: number): Promise<UserRecord | null>;
  isUsernameTaken(username: string, trx?: Transaction): Promise<boolean>;
  isEmailTaken(email: string, trx?: Transaction): Promise<boolean>;
  create(user: NewUser, trx: Transaction): Promise<number>;
  updatePasswordHash(id: number, passwordHash: string): Promise<void>;
  /** Which of `ids` still exist and are not disabled. */
  activeIds(ids: readonly number[]): Promise<Set<number>>;
}

function toRecord(row: UserRow): UserRecord {
  const roles = [...(row.roles ?? [])].sort((a, b) => a.id - b.id).map((r) => r.name);
  return {
    id: row.id,
    username: row.username ?? '',
    email: row.email ?? '',
    passwordHash: row.password,
    disabled: Boolean(row.disabled),
    roles,
    createdAt: row.createdAt,
  };
}

export function createUserRepository(db: Database): UserRepository {
  const { User, Role, UserRole } = db.models;
  const withRoles = { model: Role, as: 'roles', attributes: ['id', 'name'], through: { attributes: [] } };

  return {
    async findByUsername(username) {
      const row = await User.findOne({ where: { usernameNormalized: usernameKey(username) }, include: [withRoles] });
      return row ? toRecord(row) : null;
    },

    async findById(id) {
      const row = await User.findByPk(id, { include: [withRoles] });
      return row ? toRecord(row) : null;
    },

    async isUsernameTaken(username, trx) {
      const count = await User.count({ where: { usernameNormalized: usernameKey(username) }, transaction: trx ?? null });
      return count > 0;
    },

    async isEmailTaken(email, trx) {
      const count = await User.count({ where: { emailNormalized: emailKey(email) }, transaction: trx ?? null });
      return count > 0;
    },

    async create(user, trx) {
      const row = await User.create(
        {
          username: user.username,
          email: user.email,
          password: user.passwordHash,
          usernameNormalized: usernameKey(user.username),
          emailNormalized: emailKey(user.email),
        },
        { transaction: trx },
      ).catch((error: unknown) => {
        throw error instanceof UniqueConstraintError ? duplicateOf(error) : error;
      });
      await UserRole.bulkCreate(
        user.roleIds.map((roleId) => ({ userId: row.id, roleId })),
        { transaction: trx },
      );
      return row.id;
    },

    async updatePasswordHash(id, passwordHash) {
      await User.update({ password: passwordHash }, { where: { id } });
    },

    async activeIds(ids) {
      if (ids.length === 0) return new Set();
      const rows = await User.findAll({
        attributes: ['id'],
        where: { id: { [Op.in]: [...ids] }, disabled: false },
        raw: true,
      });
      return new Set(rows.map((r) => r.id));
    },
  };
}
