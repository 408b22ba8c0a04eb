/**
 * The built-in roles, named in one place. Roles nest: admin contains every role, moderator
 * contains user, and a custom role contains nothing else. Checks use the roles carried in the
 * access token, so they never touch the database.
 */
export const ADMIN = 'admin';
export const MODERATOR = 'moderator';
export const USER = 'user';
export const BUILTIN_ROLES = [USER, MODERATOR, ADMIN] as const;
/** What signup grants. */
export const DEFAULT_ROLE = USER;

export function isBuiltinRole(name: string): boolean {
  return (BUILTIN_ROLES as readonly string[]).includes(name);
}

export function satisfiesRole(granted: readonly string[], required: string): boolean {
  if (granted.includes(required) || granted.includes(ADMIN)) return true;
  return required === USER && granted.includes(MODERATOR);
}

/**
 * A role name as stored (`moderator`), from either form a client may send: the name itself, or
 * the authority that signin shows (`ROLE_MODERATOR`). The stored lowercase name is canonical.
 */
export function roleName(nameOrAuthority: string): string {
  return /^ROLE_/i.test(nameOrAuthority) ? nameOrAuthority.slice(5).toLowerCase() : nameOrAuthority;
}

/** The tutorial's authority names: `user` → `ROLE_USER`. */
export function authorities(roles: readonly string[]): string[] {
  return roles.map((role) => `ROLE_${role.toUpperCase()}`);
}

/** `moderator` → `Moderator`, as in the tutorial's "Require Moderator Role!". */
export function roleTitle(role: string): string {
  return role.charAt(0).toUpperCase() + role.slice(1);
}
