import type { Request, RequestHandler } from 'express';

/** Access-control middleware handed to feature routers by the HTTP layer. */
export interface RouteGuards {
  /** Requires a valid access token and sets `req.auth`. */
  authenticated: RequestHandler;
  /** Sets `req.auth` when a genuine access token is presented, even an expired one; never refuses. */
  identified: RequestHandler;
  /** Requires a role (or one that contains it); must follow `authenticated`. */
  requireRole: (role: string) => RequestHandler;
}

/** The verified caller of a route behind `authenticated`. */
export function callerOf(req: Request): NonNullable<Request['auth']> {
  if (!req.auth) throw new Error('this route must be behind the authenticated guard');
  return req.auth;
}
