import type { Database } from '../../db/database.js';
import type { UserRow } from '../../db/models.js';

/* An account as the services see it, built from a users row with its roles. */

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

/** The include that loads a user's roles (id and name) with the row. */
export function rolesInclude(db: Database) {
  return { model: db.models.Role, as: 'roles', attributes: ['id', 'name'], through: { attributes: [] } };
}

export function toRecord(row: UserRow): UserRecord {
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

/** One row of a raw users ⟕ user_roles ⟕ roles query: the user's columns and one role (or none). */
export interface UserWithRoleRow {
  id: number | string;
  username: string | null;
  email: string | null;
  password: string | null;
  disabled: unknown;
  emailVerified: unknown;
  createdAt: unknown;
  roleId: number | string | null;
  roleName: string | null;
}

/** The record of one user from the rows of that query (one per role), as toRecord builds it. */
export function recordOfRows(rows: readonly UserWithRoleRow[]): UserRecord {
  const first = rows[0]!;
  const roles = rows
    .filter((r) => r.roleId !== null && r.roleName !== null)
    .sort((a, b) => Number(a.roleId) - Number(b.roleId))
    .map((r) => r.roleName!);
  return {
    id: Number(first.id),
    username: first.username ?? '',
    email: first.email ?? '',
    passwordHash: first.password,
    // SQLite and MySQL answer 0/1, PostgreSQL a boolean.
    disabled: Boolean(Number(first.disabled)),
    emailVerified: Boolean(Number(first.emailVerified)),
    roles,
    createdAt: first.createdAt instanceof Date ? first.createdAt : new Date(String(first.createdAt)),
  };
}
