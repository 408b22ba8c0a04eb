import type { RequestHandler } from 'express';

/** Access-control middleware handed to feature routers by the HTTP layer. */
export interface RouteGuards {
  /** Requires a valid access token and sets `req.auth`. */
  authenticated: RequestHandler;
  /** Requires a role (or one that contains it); must follow `authenticated`. */
  requireRole: (role: string) => RequestHandler;
}
