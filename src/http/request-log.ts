import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Request, Response } from 'express';
import type { Metrics } from '../features/ops/metrics.js';
import type { Logger } from '../lib/logger.js';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** Probes every few seconds would drown the log; they are counted in /metrics instead. */
const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/** The route pattern that served a request (routes are registered at their full path): low-cardinality labels. */
function routeOf(req: Request): string {
  const pattern = (req.route as { path?: unknown } | undefined)?.path;
  return typeof pattern === 'string' ? pattern : 'unmatched';
}

/** The caller's `x-request-id` when it is a sane token, a new UUID otherwise. */
function requestId(req: Request): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/** The request path without the query string (which may carry secrets a client put there). */
function pathOf(req: Request): string {
  const url = req.originalUrl;
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/**
 * One JSON line per request — id, method, path (never the query string), route, status and
 * duration — at info, or at error with the error for a 5xx; and the request in the metrics.
 * One listener per request does both. The request id is echoed in `x-request-id`. Headers
 * and bodies are never logged.
 */
export function observeRequests(logger: Logger, metrics: Metrics): (req: Request, res: Response) => void {
  // These lines hold only the fields below, never a credential: redaction (more than half the
  // cost of a line) is not needed for them. Every other log call keeps it.
  const requests = logger.child({}, { redact: { paths: [] } });
  return (req, res) => {
    const started = performance.now();
    const id = requestId(req);
    res.setHeader('x-request-id', id);
    res.once('close', () => record(req, res, id, performance.now() - started));
  };

  function record(req: Request, res: Response, id: string, ms: number): void {
    const route = routeOf(req);
    const status = res.statusCode;
    const locals = res.locals as { errorCode?: string; error?: unknown };
    metrics.observe({ method: req.method, route, status, seconds: ms / 1000, code: locals.errorCode });
    const path = pathOf(req);
    if (QUIET_PATHS.has(path)) return;
    const line = {
      req: { id, method: req.method, path },
      route,
      res: { status },
      responseTime: Math.round(ms),
      ...(res.writableFinished ? {} : { aborted: true }),
    };
    const message = `${req.method} ${path} ${status}`;
    if (status >= 500) logger.error({ ...line, err: locals.error }, message);
    else requests.info(line, message);
  }
}
