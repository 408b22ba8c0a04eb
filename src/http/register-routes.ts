import type { Express, RequestHandler } from 'express';
import type { Access, RateLimitName, RouteDefinition } from '../lib/route.js';
import { parseBody, refuseControlCharacters } from '../lib/validation.js';
import type { RouteGuards } from './guards.js';

export interface RouteMiddleware {
  guards: RouteGuards;
  limits: Record<RateLimitName, RequestHandler>;
  /** Refuses cross-site requests that would change state with the session cookies. */
  csrf: RequestHandler;
}

function guardFor(access: Access, guards: RouteGuards): RequestHandler[] {
  if (access === 'public') return [];
  if (access === 'optional') return [guards.identified];
  if (access === 'signed-in') return [guards.authenticated];
  return [guards.authenticated, guards.requireRole(access.role)];
}

/** Validates the input, calls the handler, and sends what it returns as JSON. */
function handlerOf(route: RouteDefinition): RequestHandler {
  const send = (res: Parameters<RequestHandler>[1], result: unknown) => {
    if (result !== undefined && !res.headersSent) res.status(route.status ?? 200).json(result);
  };
  const parts = (['body', 'query', 'params'] as const).filter((part) => route[part] !== undefined);
  return (req, res) => {
    if (route.noStore) res.setHeader('Cache-Control', 'no-store');
    // Before any schema: no part of a request reaches the database with a control character in it.
    for (const part of parts) refuseControlCharacters(req[part]);
    const result = route.handler({
      body: route.body ? parseBody(route.body, req.body) : undefined,
      query: route.query ? parseBody(route.query, req.query) : undefined,
      params: route.params ? parseBody(route.params, req.params) : undefined,
      caller: req.auth,
      req,
      res,
    });
    // Express 5 passes a rejected promise to the error handler; synchronous routes stay synchronous.
    if (result instanceof Promise) return result.then((value) => send(res, value));
    send(res, result);
    return undefined;
  };
}

/**
 * Registers each route on the app with its rate limits, its guard, and its validating handler,
 * at its full path, so that the route pattern is the metrics label.
 */
export function registerRoutes(app: Express, routes: readonly RouteDefinition[], middleware: RouteMiddleware): void {
  for (const route of routes) {
    const limits = (route.limits ?? []).map((name) => middleware.limits[name]);
    const csrf = route.method === 'get' ? [] : [middleware.csrf];
    app[route.method](route.path, ...limits, ...csrf, ...guardFor(route.access, middleware.guards), handlerOf(route));
  }
}
