import type { RequestHandler } from 'express';
import { hasSecondFactor } from '../lib/proof.js';
import { roleTitle, satisfiesRole } from '../lib/roles.js';
import { AppError } from '../lib/errors.js';

const ROLE_NAME = /^[a-z][a-z0-9_-]{0,31}$/;

export interface RoleOptions {
  /** The role also requires a token whose signin had a second factor (MFA_REQUIRED_ROLES). */
  secondFactor?: boolean;
}

/**
 * Requires `role` or a role that contains it (admin ⊇ moderator ⊇ user), read from the token;
 * with `secondFactor`, also a second factor in the token's `amr`.
 */
export function requireRole(role: string, { secondFactor = false }: RoleOptions = {}): RequestHandler {
  if (!ROLE_NAME.test(role)) throw new Error(`requireRole: invalid role name "${role}"`);
  const message = `Require ${roleTitle(role)} Role!`;
  return (req, _res, next) => {
    if (!req.auth) throw new Error('requireRole() must follow authenticate()');
    if (!satisfiesRole(req.auth.roles, role)) throw new AppError('ROLE_REQUIRED', message);
    if (secondFactor && !hasSecondFactor(req.auth.amr)) throw new AppError('MFA_REQUIRED');
    next();
  };
}

/** Requires a token whose signin had a second factor (an authenticator code, a recovery code, a passkey). */
export const requireSecondFactor: RequestHandler = (req, _res, next) => {
  if (!req.auth) throw new Error('requireSecondFactor must follow authenticate()');
  if (!hasSecondFactor(req.auth.amr)) throw new AppError('MFA_REQUIRED');
  next();
};
