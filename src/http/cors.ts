import cors from 'cors';
import type { RequestHandler } from 'express';

/**
 * CORS for the listed origins only, with credentials (cookies) allowed for them. A single "*"
 * opens reads to every origin but never with credentials.
 */
export function corsFor(origins: readonly string[]): RequestHandler {
  const anyOrigin = origins.includes('*');
  const handler = cors({
    origin: anyOrigin ? '*' : (origin, callback) => callback(null, origin !== undefined && origins.includes(origin)),
    credentials: !anyOrigin,
    allowedHeaders: ['x-access-token', 'Authorization', 'Content-Type', 'Accept', 'Origin', 'x-request-id'],
    exposedHeaders: ['x-request-id', 'Retry-After'],
    maxAge: 600,
  });
  return handler;
}
