import type { RequestHandler } from 'express';
import { roleTitle, satisfiesRole } from '../lib/roles.js';
import { AppError } from '../lib/errors.js';

const ROLE_NAME = /^[a-z][a-z0-9_-]{0,31}$/;

/** Requires `role` or a role that contains it (admin ⊇ moderator ⊇ user), read from the token. */
export function requireRole(role: string): RequestHandler {
  if (!ROLE_NAME.test(role)) throw new Error(`requireRole: invalid role name "${role}"`);
  const message = `Require ${roleTitle(role)} Role!`;
  return (req, _res, next) => {
    if (!req.auth) throw new Error('requireRole() must follow authenticate()');
    if (!satisfiesRole(req.auth.roles, role)) throw new AppError('ROLE_REQUIRED', message);
    next();
  };
}
