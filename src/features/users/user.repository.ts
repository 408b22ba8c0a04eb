import { Op, Transaction, UniqueConstraintError, type Order, type WhereOptions } from 'sequelize';
import type { Database } from '../../db/database.js';
import type { UserRow } from '../../db/models.js';
import { emailKey, usernameKey } from '../../lib/identity.js';
import { ADMIN } from '../../lib/roles.js';

export interface UserRecord {
  id: number;
  username: string;
  email: string;
  passwordHash: string | null;
  /** A disabled account cannot sign in or refresh. */
  disabled: boolean;
  /** The address was proven by a link sent to it (or the account predates verification). */
  emailVerified: boolean;
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

function rethrowDuplicate(error: unknown): never {
  throw error instanceof UniqueConstraintError ? duplicateOf(error) : error;
}

export interface NewUser {
  username: string;
  email: string;
  passwordHash: string;
  roleIds: number[];
  disabled?: boolean;
  emailVerified?: boolean;
}

export const USER_SORT_FIELDS = ['id', 'username', 'email', 'createdAt'] as const;
export type UserSortField = (typeof USER_SORT_FIELDS)[number];

export interface UserQuery {
  /** Substring of the username or the email, matched literally and without case. */
  search?: string | undefined;
  role?: string | undefined;
  disabled?: boolean | undefined;
  sort: { field: UserSortField; descending: boolean };
  offset: number;
  limit: number;
}

export interface UserRepository {
  findByUsername(username: string): Promise<UserRecord | null>;
  findByEmail(email: string): Promise<UserRecord | null>;
  findById(id: number, trx?: Transaction): Promise<UserRecord | null>;
  isUsernameTaken(username: string, trx?: Transaction): Promise<boolean>;
  isEmailTaken(email: string, exceptId?: number): Promise<boolean>;
  create(user: NewUser, trx: Transaction): Promise<number>;
  updatePasswordHash(id: number, passwordHash: string, trx?: Transaction): Promise<void>;
  /** Sets the address; `verified` says whether it is proven (a confirmed change, an admin's). */
  updateEmail(id: number, email: string, trx?: Transaction, verified?: boolean): Promise<void>;
  markEmailVerified(id: number, trx?: Transaction): Promise<void>;
  setRoles(id: number, roleIds: readonly number[], trx: Transaction): Promise<void>;
  setDisabled(id: number, disabled: boolean, trx: Transaction): Promise<void>;
  remove(id: number, trx: Transaction): Promise<void>;
  search(query: UserQuery): Promise<{ items: UserRecord[]; total: number }>;
  /** Enabled users holding the admin role. */
  countActiveAdmins(trx: Transaction): Promise<number>;
  /**
   * Locks the admin role row until `trx` ends: changes that could remove the last admin run one
   * at a time, so two admins cannot demote each other at once.
   */
  lockAdmins(trx: Transaction): Promise<void>;
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
    emailVerified: Boolean(row.emailVerified),
    roles,
    createdAt: row.createdAt,
  };
}

export function createUserRepository(db: Database): UserRepository {
  const { User, Role, UserRole } = db.models;
  const { sequelize } = db;
  const withRoles = { model: Role, as: 'roles', attributes: ['id', 'name'], through: { attributes: [] } };
  // A literal substring test: unlike LIKE, no character of the input is a wildcard.
  const contains = (column: string, text: string) =>
    sequelize.where(sequelize.fn(db.dialect === 'postgres' ? 'strpos' : 'instr', sequelize.col(column), text), Op.gt, 0);

  function filters(query: UserQuery): WhereOptions {
    const conditions: WhereOptions[] = [];
    if (query.search) {
      conditions.push({
        [Op.or]: [contains('usernameNormalized', usernameKey(query.search)), contains('emailNormalized', emailKey(query.search))],
      });
    }
    if (query.role !== undefined) {
      const holders = sequelize.literal(
        `(SELECT ur.${q('userId')} FROM ${q('user_roles')} ur JOIN ${q('roles')} r ON r.${q('id')} = ur.${q('roleId')} ` +
          `WHERE r.${q('name')} = ${sequelize.escape(query.role)})`,
      );
      conditions.push({ id: { [Op.in]: holders } });
    }
    if (query.disabled !== undefined) conditions.push({ disabled: query.disabled });
    return { [Op.and]: conditions };
  }

  function q(identifier: string): string {
    return sequelize.getQueryInterface().quoteIdentifier(identifier);
  }

  return {
    async findByUsername(username) {
      const row = await User.findOne({ where: { usernameNormalized: usernameKey(username) }, include: [withRoles] });
      return row ? toRecord(row) : null;
    },

    async findByEmail(email) {
      const row = await User.findOne({ where: { emailNormalized: emailKey(email) }, include: [withRoles] });
      return row ? toRecord(row) : null;
    },

    async findById(id, trx) {
      const row = await User.findByPk(id, { include: [withRoles], transaction: trx ?? null });
      return row ? toRecord(row) : null;
    },

    async isUsernameTaken(username, trx) {
      const count = await User.count({ where: { usernameNormalized: usernameKey(username) }, transaction: trx ?? null });
      return count > 0;
    },

    async isEmailTaken(email, exceptId) {
      const where: WhereOptions = { emailNormalized: emailKey(email) };
      const count = await User.count({ where: exceptId === undefined ? where : { ...where, id: { [Op.ne]: exceptId } } });
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
          disabled: user.disabled ?? false,
          emailVerified: user.emailVerified ?? false,
        },
        { transaction: trx },
      ).catch(rethrowDuplicate);
      await UserRole.bulkCreate(
        user.roleIds.map((roleId) => ({ userId: row.id, roleId })),
        { transaction: trx },
      );
      return row.id;
    },

    async updatePasswordHash(id, passwordHash, trx) {
      await User.update({ password: passwordHash }, { where: { id }, transaction: trx ?? null });
    },

    async updateEmail(id, email, trx, verified) {
      const values = { email, emailNormalized: emailKey(email), ...(verified === undefined ? {} : { emailVerified: verified }) };
      await User.update(values, { where: { id }, transaction: trx ?? null }).catch(rethrowDuplicate);
    },

    async markEmailVerified(id, trx) {
      await User.update({ emailVerified: true }, { where: { id }, transaction: trx ?? null });
    },

    async setRoles(id, roleIds, trx) {
      await UserRole.destroy({ where: { userId: id }, transaction: trx });
      await UserRole.bulkCreate(
        roleIds.map((roleId) => ({ userId: id, roleId })),
        { transaction: trx },
      );
    },

    async setDisabled(id, disabled, trx) {
      await User.update({ disabled }, { where: { id }, transaction: trx });
    },

    async remove(id, trx) {
      // Explicitly, as not every adopted tutorial schema cascades.
      await UserRole.destroy({ where: { userId: id }, transaction: trx });
      await User.destroy({ where: { id }, transaction: trx });
    },

    async search(query) {
      const where = filters(query);
      const order: Order = [
        [query.sort.field, query.sort.descending ? 'DESC' : 'ASC'],
        ['id', query.sort.descending ? 'DESC' : 'ASC'],
      ];
      const { rows, count } = await User.findAndCountAll({ where, order, offset: query.offset, limit: query.limit });
      const ids = rows.map((r) => r.id);
      const withTheirRoles = ids.length
        ? await User.findAll({ where: { id: { [Op.in]: ids } }, include: [withRoles] })
        : [];
      const byId = new Map(withTheirRoles.map((r) => [r.id, toRecord(r)]));
      return { items: ids.map((id) => byId.get(id)).filter((u): u is UserRecord => u !== undefined), total: count };
    },

    async countActiveAdmins(trx) {
      return User.count({
        where: { disabled: false },
        include: [{ model: Role, as: 'roles', where: { name: ADMIN }, attributes: [], through: { attributes: [] } }],
        distinct: true,
        transaction: trx,
      });
    },

    async lockAdmins(trx) {
      await Role.findOne({ where: { name: ADMIN }, transaction: trx, lock: Transaction.LOCK.UPDATE });
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
