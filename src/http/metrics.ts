import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Metrics } from '../features/ops/metrics.js';
import { AppError } from '../lib/errors.js';
import { constantTimeEqual } from '../lib/crypto.js';

/**
 * Remembers where a router is mounted: Express resets `req.baseUrl` when a request leaves a
 * router (an error does), but the route label needs it.
 */
export function rememberMount(req: Request, res: Response, next: NextFunction): void {
  (res.locals as { mountPath?: string }).mountPath = req.baseUrl;
  next();
}

/** The route pattern that served a request: low-cardinality labels, no ids or query strings. */
export function routeOf(req: Request, res: Response): string {
  const pattern = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof pattern !== 'string') return 'unmatched';
  const base = (res.locals as { mountPath?: string }).mountPath ?? req.baseUrl;
  return `${base}${pattern === '/' && base ? '' : pattern}`;
}

/** GET /metrics in Prometheus text format; behind a bearer token when METRICS_TOKEN is set. */
export function metricsEndpoint(metrics: Metrics, token: string | undefined): RequestHandler {
  const expected = token === undefined ? undefined : Buffer.from(`Bearer ${token}`);
  return async (req, res) => {
    if (expected && !constantTimeEqual(Buffer.from(req.get('authorization') ?? ''), expected)) {
      throw new AppError('METRICS_TOKEN_REQUIRED');
    }
    res.set('Content-Type', metrics.registry.contentType).send(await metrics.registry.metrics());
  };
}
