import type { RequestHandler } from 'express';
import type { Metrics } from '../features/ops/metrics.js';
import type { Logger } from '../lib/logger.js';
import { corsFor } from './cors.js';
import { observeRequests } from './request-log.js';
import { securityHeaders } from './security-headers.js';

export interface FrontDoorOptions {
  logger: Logger;
  metrics: Metrics;
  corsOrigins: readonly string[];
}

/**
 * What every request goes through first, as one middleware rather than three layers: the
 * request id, log line and metrics; helmet's security headers; CORS for browser requests.
 */
export function frontDoor({ logger, metrics, corsOrigins }: FrontDoorOptions): RequestHandler {
  const observe = observeRequests(logger, metrics);
  const secure = securityHeaders();
  const cors = corsFor(corsOrigins);
  return (req, res, next) => {
    observe(req, res);
    secure(res);
    // Only browsers send Origin: other requests skip the CORS work (the answer still varies by it).
    if (req.headers.origin === undefined) next();
    else cors(req, res, next);
  };
}
