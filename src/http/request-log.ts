import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request, RequestHandler, Response } from 'express';
import { pinoHttp } from 'pino-http';
import type { Logger } from '../lib/logger.js';
import { routeOf } from './metrics.js';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/** The caller's `x-request-id` when it is a sane token, a new UUID otherwise; echoed back. */
function requestId(req: IncomingMessage, res: ServerResponse): string {
  const given = req.headers['x-request-id'];
  const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
  res.setHeader('x-request-id', id);
  return id;
}

/** The request path without the query string (which may carry secrets a client put there). */
function pathOf(req: IncomingMessage & { originalUrl?: string }): string {
  return (req.originalUrl ?? req.url ?? '').split('?')[0] ?? '';
}

/**
 * One JSON line per request: id, method, path (never the query string), status, duration.
 * 5xx at error (with the error), everything else at info. Headers are not logged at all.
 */
export function requestLog(logger: Logger): RequestHandler {
  return pinoHttp({
    logger,
    genReqId: requestId,
    // Probes every few seconds would drown the log; they are counted in /metrics instead.
    autoLogging: { ignore: (req) => QUIET_PATHS.has(pathOf(req)) },
    customSuccessObject: (req, res, value: Record<string, unknown>) => ({
      ...value,
      route: routeOf(req as Request, res as Response),
    }),
    customErrorObject: (req, res, _error, value: Record<string, unknown>) => ({
      ...value,
      route: routeOf(req as Request, res as Response),
    }),
    customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : 'info'),
    customSuccessMessage: (req, res) => `${req.method} ${pathOf(req)} ${res.statusCode}`,
    customErrorMessage: (req, res) => `${req.method} ${pathOf(req)} ${res.statusCode}`,
    serializers: {
      req: (req: { id: unknown; method: string; url: string }) => ({
        id: req.id,
        method: req.method,
        path: req.url.split('?')[0],
      }),
      res: (res: { statusCode: number }) => ({ status: res.statusCode }),
    },
  });
}
