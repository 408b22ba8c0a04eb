import type { Request, RequestHandler } from 'express';
import type { Config } from '../config/config.loader.js';
import { createTokenTransport, type TokenTransport } from '../features/auth/token-transport.js';
import type { Services } from '../services.js';
import { authenticate, identify } from './authenticate.js';
import { requireRole } from './authorize.js';

/** Access-control middleware, for Tokengate's routes and for routes an embedding application adds. */
export interface RouteGuards {
  /** Requires a valid access token and sets `req.auth`. */
  authenticated: RequestHandler;
  /** Sets `req.auth` when a genuine access token is presented, even an expired one; never refuses. */
  identified: RequestHandler;
  /** Requires a role (or one that contains it); must follow `authenticated`. */
  requireRole: (role: string) => RequestHandler;
}

/** How tokens travel for API clients: in bodies, or in cookies with COOKIE_TRANSPORT=true. */
export function tokenTransport(config: Config): TokenTransport {
  return createTokenTransport({
    cookies: config.sessions.cookies,
    secure: config.env === 'production',
    accessTtlSeconds: config.tokens.accessTtlSeconds,
    sessionMaxAgeSeconds: config.sessions.maxAgeSeconds,
  });
}

/**
 * The guards, e.g. for an embedding application:
 * `app.get('/reports', guards.authenticated, guards.requireRole('editor'), handler)`.
 */
export function createGuards(services: Services, config: Config): RouteGuards {
  const transport = tokenTransport(config);
  const fallback = (req: Request) => transport.accessTokenFrom(req);
  return {
    authenticated: authenticate({ tokens: services.tokens, admit: services.admit, fallback }),
    identified: identify({ tokens: services.tokens, fallback }),
    requireRole,
  };
}
