import type { Request, RequestHandler } from 'express';
import type { Config } from '../config/config.loader.js';
import { createTokenTransport, type TokenTransport } from '../features/auth/token-transport.js';
import type { Services } from '../services.js';
import { authenticate, identify } from './authenticate.js';
import { satisfiesRole } from '../lib/roles.js';
import { requireRole, requireSecondFactor } from './authorize.js';

/** Access-control middleware, for Tokengate's routes and for routes an embedding application adds. */
export interface RouteGuards {
  /** Requires a valid access token and sets `req.auth`. */
  authenticated: RequestHandler;
  /** Sets `req.auth` when a genuine access token is presented, even an expired one; never refuses. */
  identified: RequestHandler;
  /**
   * Requires a role (or one that contains it); must follow `authenticated`. A role named in
   * MFA_REQUIRED_ROLES (or one containing it) also requires a second factor (403 MFA_REQUIRED).
   */
  requireRole: (role: string) => RequestHandler;
  /** Requires a token whose signin had a second factor, whatever the roles; must follow `authenticated`. */
  requireSecondFactor: RequestHandler;
}

/** How tokens travel: in bodies, or in cookies with COOKIE_TRANSPORT=true; the console's in cookies of its own. */
export function tokenTransport(config: Config): TokenTransport {
  return createTokenTransport({
    cookies: config.sessions.cookies,
    secure: config.env === 'production',
    accessTtlSeconds: config.tokens.accessTtlSeconds,
    sessionMaxAgeSeconds: config.sessions.maxAgeSeconds,
    publicUrl: config.mail.publicUrl,
  });
}

/**
 * Whether routes requiring `role` ask for a second factor: when it is one of MFA_REQUIRED_ROLES
 * or contains one (admin contains every role), so that a more powerful role never asks for less.
 */
export function asksSecondFactor(role: string, requiredRoles: readonly string[]): boolean {
  return requiredRoles.some((listed) => satisfiesRole([role], listed));
}

/**
 * The guards, e.g. for an embedding application:
 * `app.get('/reports', guards.authenticated, guards.requireRole('editor'), handler)`, or
 * `app.post('/payouts', guards.authenticated, guards.requireSecondFactor, handler)`.
 */
export function createGuards(services: Services, config: Config): RouteGuards {
  const transport = tokenTransport(config);
  const fallback = (req: Request) => transport.accessTokenFrom(req);
  return {
    authenticated: authenticate({ tokens: services.tokens, admit: services.admit, fallback }),
    identified: identify({ tokens: services.tokens, admit: services.admit, fallback }),
    requireRole: (role) => requireRole(role, { secondFactor: asksSecondFactor(role, config.mfa.requiredRoles) }),
    requireSecondFactor,
  };
}
