/**
 * Roles nest: admin ⊇ every other role ⊇ ... and moderator ⊇ user. Checks use the roles carried
 * in the access token, so they never touch the database.
 */
export const BUILTIN_ROLES = ['user', 'moderator', 'admin'] as const;
export const DEFAULT_ROLE = 'user';

export function satisfiesRole(granted: readonly string[], required: string): boolean {
  if (granted.includes(required) || granted.includes('admin')) return true;
  return required === 'user' && granted.includes('moderator');
}

/** The tutorial's authority names: `user` → `ROLE_USER`. */
export function authorities(roles: readonly string[]): string[] {
  return roles.map((role) => `ROLE_${role.toUpperCase()}`);
}

/** `moderator` → `Moderator`, as in the tutorial's "Require Moderator Role!". */
export function roleTitle(role: string): string {
  return role.charAt(0).toUpperCase() + role.slice(1);
}
