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
