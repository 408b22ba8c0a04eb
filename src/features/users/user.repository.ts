import { Op, QueryTypes, UniqueConstraintError, type Transaction, type WhereOptions } from 'sequelize';
import type { BoundParams, Database } from '../../db/database.js';
import type { UserRow } from '../../db/models.js';
import { emailKey, usernameKey, usernameSkeleton } from '../../lib/identity.js';
import { ADMIN } from '../../lib/roles.js';
import { recordOfRows, type UserRecord, type UserWithRoleRow } from './user-record.js';
import { createUserSearch, type UserQuery } from './user-search.js';

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
   * Updates the `admins` guard row in `trx`: changes that could remove the last admin run one
   * at a time (the second waits for the row, or on Galera fails certification and is retried),
   * so two admins cannot demote each other at once.
   */
  lockAdmins(trx: Transaction): Promise<void>;
  /** Which of `ids` still exist and are not disabled. */
  activeIds(ids: readonly number[]): Promise<Set<number>>;
  /** One bcrypt hash that remains from the tutorial's server (not yet upgraded), if any. */
  anyBcryptHash(): Promise<string | undefined>;
}

/** Rows filled in per lookup that finds none (see fillMissingKeys). */
const MISSING_KEYS_BATCH = 100;

export function createUserRepository(db: Database): UserRepository {
  const { User, Role, UserRole, Guard } = db.models;

  /*
   * The lookups of signin and refresh (by username, by id) run on every request of those paths:
   * one raw SELECT with bound parameters and the roles joined, written once, instead of
   * Sequelize building the query with its include and the model instances each time.
   */
  const q = (name: string) => db.sequelize.getQueryInterface().quoteIdentifier(name);
  const userColumns = ['id', 'username', 'email', 'password', 'disabled', 'emailVerified', 'createdAt'].map((c) => `u.${q(c)}`).join(', ');
  const selectUser =
    `SELECT ${userColumns}, r.${q('id')} AS ${q('roleId')}, r.${q('name')} AS ${q('roleName')} FROM ${q('users')} u` +
    ` LEFT JOIN ${q('user_roles')} ur ON ur.${q('userId')} = u.${q('id')} LEFT JOIN ${q('roles')} r ON r.${q('id')} = ur.${q('roleId')} WHERE u.`;

  async function findOne(column: 'id' | 'usernameNormalized' | 'emailNormalized', value: unknown, trx?: Transaction): Promise<UserRecord | null> {
    const p = db.params();
    const sql = `${selectUser}${q(column)} = ${p.placeholder(value)}`;
    const rows = await db.sequelize.query<UserWithRoleRow>(sql, { bind: p.bind, type: QueryTypes.SELECT, transaction: trx ?? null });
    return rows.length > 0 ? recordOfRows(rows) : null;
  }

  async function count(where: (p: BoundParams) => WhereOptions, trx?: Transaction): Promise<number> {
    const p = db.params();
    return User.count(p.options({ where: where(p), transaction: trx ?? null }));
  }

  /**
   * Fills in the normalized keys of rows written behind Tokengate's back (plain SQL after the
   * takeover), so that they can sign in and their names stay unique. Returns how many it filled.
   */
  async function fillMissingKeys(): Promise<number> {
    const p = db.params();
    const rows = await User.findAll(
      p.options({
        attributes: ['id', 'username', 'email'],
        where: { [Op.or]: [{ usernameNormalized: { [Op.is]: null } }, { emailNormalized: { [Op.is]: null } }] },
        limit: MISSING_KEYS_BATCH,
        raw: true,
      }),
    );
    let filled = 0;
    // A row that clashes with an existing account stays unusable until an operator renames it;
    // one that only looks like another keeps no skeleton (like a look-alike adopted at migration).
    const fill = async (id: number, values: Partial<Pick<UserRow, 'usernameNormalized' | 'emailNormalized' | 'usernameSkeleton'>>) => {
      try {
        await User.update(values, { where: { id } });
        return true;
      } catch (error) {
        if (!(error instanceof UniqueConstraintError)) throw error;
        return false;
      }
    };
    for (const row of rows) {
      const username = row.username === null ? null : usernameKey(row.username);
      const keys = { usernameNormalized: username, emailNormalized: row.email === null ? null : emailKey(row.email) };
      if (!(await fill(row.id, keys))) continue;
      filled++;
      if (row.username !== null) await fill(row.id, { usernameSkeleton: usernameSkeleton(row.username) });
    }
    return filled;
  }

  return {
    search: createUserSearch(db),

    async findByUsername(username) {
      const key = usernameKey(username);
      const found = await findOne('usernameNormalized', key);
      if (found || (await fillMissingKeys()) === 0) return found;
      return findOne('usernameNormalized', key);
    },

    findByEmail: (email) => findOne('emailNormalized', emailKey(email)),

    findById: (id, trx) => findOne('id', id, trx),

    async isUsernameTaken(username, trx) {
      const where = (p: BoundParams) => ({
        [Op.or]: [{ usernameNormalized: p.eq(usernameKey(username)) }, { usernameSkeleton: p.eq(usernameSkeleton(username)) }],
      });
      return (await count(where, trx)) > 0;
    },

    async isEmailTaken(email, exceptId) {
      const key = emailKey(email);
      return (
        (await count((p) => (exceptId === undefined ? { emailNormalized: p.eq(key) } : { emailNormalized: p.eq(key), id: { [Op.ne]: p.ref(exceptId) } }))) > 0
      );
    },

    async create(user, trx) {
      const row = await User.create(
        {
          username: user.username,
          email: user.email,
          password: user.passwordHash,
          usernameNormalized: usernameKey(user.username),
          emailNormalized: emailKey(user.email),
          usernameSkeleton: usernameSkeleton(user.username),
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

    // Sequelize binds the values and the condition of an UPDATE itself.
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
      const p = db.params();
      await UserRole.destroy(p.options({ where: { userId: p.eq(id) }, transaction: trx }));
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
      const p = db.params();
      await UserRole.destroy(p.options({ where: { userId: p.eq(id) }, transaction: trx }));
      const u = db.params();
      await User.destroy(u.options({ where: { id: u.eq(id) }, transaction: trx }));
    },

    async countActiveAdmins(trx) {
      const p = db.params();
      return User.count(
        p.options({
          where: { disabled: p.eq(false) },
          include: [{ model: Role, as: 'roles', where: { name: p.eq(ADMIN) }, attributes: [], through: { attributes: [] } }],
          distinct: true,
          transaction: trx,
        }),
      );
    },

    // A write to one guard row, not SELECT … FOR UPDATE: Galera certifies writes across nodes.
    async lockAdmins(trx) {
      await Guard.increment('version', { where: { name: 'admins' }, transaction: trx });
    },

    async anyBcryptHash() {
      const p = db.params();
      const row = await User.findOne(p.options({ attributes: ['password'], where: { password: { [Op.like]: p.ref('$2%') } }, raw: true }));
      return row?.password ?? undefined;
    },

    async activeIds(ids) {
      if (ids.length === 0) return new Set();
      const p = db.params();
      const rows = await User.findAll(p.options({ attributes: ['id'], where: { id: p.in(ids), disabled: p.eq(false) }, raw: true }));
      return new Set(rows.map((row) => row.id));
    },
  };
}
