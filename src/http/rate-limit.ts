import type { RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit, type RateLimitInfo, type Store } from 'express-rate-limit';
import type { Redis } from 'ioredis';
import { RedisStore } from 'rate-limit-redis';
import type { Config } from '../config/config.loader.js';
import type { AuditLog } from '../features/audit/audit.service.js';
import { AppError } from '../lib/errors.js';
import { secondsText } from '../lib/duration.js';

/*
 * Per-address limits on /api/auth/*, with express-rate-limit: all requests, and failed signins
 * (a password spray across many usernames). The address is the socket's, or the one a trusted
 * proxy reports when TRUST_PROXY says to trust it. Counters live in Redis when REDIS_URL is set
 * (shared by all instances), else in memory.
 */

export interface RateLimits {
  /** Every /api/auth/* request. */
  auth: RequestHandler;
  /** Failed signins only (successful ones are not counted). */
  signinFailures: RequestHandler;
}

export interface RateLimitDeps {
  limits: Config['limits'];
  redis: Redis | undefined;
  prefix: string;
  audit: AuditLog;
}

export function createRateLimits({ limits, redis, prefix, audit }: RateLimitDeps): RateLimits {
  const store = (name: string): Store | undefined =>
    redis
      ? new RedisStore({
          prefix: `${prefix}ratelimit:${name}:`,
          sendCommand: (command: string, ...args: string[]) => redis.call(command, ...args) as never,
        })
      : undefined;

  const limiter = (name: 'ip' | 'ip-failures', limit: number, what: string, onlyFailures: boolean) =>
    rateLimit({
      windowMs: limits.windowSeconds * 1000,
      limit,
      standardHeaders: 'draft-7',
      legacyHeaders: false,
      skipSuccessfulRequests: onlyFailures,
      requestWasSuccessful: (_req, res) => res.statusCode < 400,
      keyGenerator: (req) => ipKeyGenerator(req.ip ?? 'unknown'),
      store: store(name),
      // Redis down: let requests through rather than refusing everyone.
      passOnStoreError: true,
      handler: (req, _res, next) => {
        const info = (req as typeof req & { rateLimit: RateLimitInfo }).rateLimit;
        const reset = info.resetTime?.getTime() ?? Date.now() + limits.windowSeconds * 1000;
        const retryAfter = Math.max(1, Math.ceil((reset - Date.now()) / 1000));
        if (info.used === limit + 1) {
          void audit.record({
            type: 'ratelimit.exceeded',
            context: { ip: req.ip, userAgent: req.get('user-agent') },
            details: { limit: name, path: req.path },
          });
        }
        next(
          new AppError('RATE_LIMITED', `Too many ${what} from your address. Try again in ${secondsText(retryAfter)}.`, {
            headers: { 'Retry-After': String(retryAfter) },
          }),
        );
      },
    });

  return {
    auth: limiter('ip', limits.ipRequests, 'requests', false),
    signinFailures: limiter('ip-failures', limits.ipFailures, 'failed signins', true),
  };
}
