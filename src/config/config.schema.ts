import { z } from 'zod';
import { parseDuration } from '../lib/duration.js';

const booleanText = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => ['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'].includes(v), {
    error: 'must be true or false',
  })
  .transform((v) => ['true', '1', 'yes', 'on'].includes(v));

function duration(defaultText: string, minSeconds: number, maxSeconds: number) {
  return z
    .string()
    .default(defaultText)
    .transform((text, ctx) => {
      const seconds = parseDuration(text);
      if (seconds === undefined || seconds < minSeconds || seconds > maxSeconds) {
        ctx.addIssue({
          code: 'custom',
          message: `must be a duration between ${minSeconds}s and ${maxSeconds}s, such as 900, 15m, 12h or 7d`,
        });
        return z.NEVER;
      }
      return seconds;
    });
}

function count(defaultValue: number, min: number, max: number) {
  return z.coerce
    .number({ error: `must be a whole number from ${min} to ${max}` })
    .int({ error: `must be a whole number from ${min} to ${max}` })
    .min(min, { error: `must be a whole number from ${min} to ${max}` })
    .max(max, { error: `must be a whole number from ${min} to ${max}` })
    .default(defaultValue);
}

const origin = z.string().refine((v) => v === '*' || /^https?:\/\/[^/\s]+$/i.test(v), {
  error: 'must be a list of origins such as http://localhost:8081 (scheme, host and port; no path)',
});

/** TRUST_PROXY: false (default), true, a hop count, or a list of addresses/subnets for Express. */
const trustProxy = z
  .string()
  .trim()
  .default('false')
  .transform((v): boolean | number | string[] => {
    const lower = v.toLowerCase();
    if (['false', '0', 'no', 'off', ''].includes(lower)) return false;
    if (['true', 'yes', 'on'].includes(lower)) return true;
    if (/^\d+$/.test(v)) return Number(v);
    return v.split(',').map((s) => s.trim()).filter(Boolean);
  });

/** Asymmetric algorithms sign with keys stored in the database; HS256 with JWT_SECRET. */
export const SIGNING_ALGORITHMS = ['ES256', 'RS256', 'EdDSA', 'HS256'] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

/** The environment variables Tokengate reads, with their defaults. */
export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().trim().min(1).optional(),
  DATA_DIR: z.string().trim().min(1).default('data'),
  DATABASE_URL: z.string().trim().min(1).optional(),
  JWT_ISSUER: z.string().trim().min(1).default('tokengate'),
  JWT_AUDIENCE: z.string().trim().min(1).default('tokengate'),
  JWT_ALG: z.enum(SIGNING_ALGORITHMS, { error: `must be one of ${SIGNING_ALGORITHMS.join(', ')}` }).default('ES256'),
  JWT_SECRET: z.string().optional(),
  AUTH_SECRET: z.string().optional(),
  KEY_ROTATION_INTERVAL: duration('0', 0, 3650 * 86400),
  ACCESS_TOKEN_TTL: duration('15m', 30, 86400),
  REFRESH_TOKEN_TTL: duration('7d', 60, 365 * 86400),
  SESSION_MAX_AGE: duration('30d', 60, 365 * 86400),
  REFRESH_TOKEN_ROTATION: booleanText.default(true),
  REVOCATION_POLL_INTERVAL: duration('1s', 1, 60),
  COOKIE_TRANSPORT: booleanText.default(false),
  ACCOUNT_CHECK_INTERVAL: duration('2s', 0, 3600),
  REDIS_URL: z
    .string()
    .trim()
    .regex(/^rediss?:\/\//i, { error: 'must be a redis:// or rediss:// URL' })
    .optional(),
  REDIS_PREFIX: z.string().trim().min(1).default('tokengate:'),
  RATE_LIMIT_WINDOW: duration('15m', 1, 86400),
  RATE_LIMIT_IP: count(300, 1, 1_000_000),
  RATE_LIMIT_IP_FAILURES: count(30, 1, 1_000_000),
  ACCOUNT_THROTTLE_AFTER: count(5, 0, 1000),
  ACCOUNT_THROTTLE_MAX: duration('15m', 1, 86400),
  HASH_CONCURRENCY: z.coerce.number().int().min(1).max(64).optional(),
  HASH_QUEUE: z.coerce.number().int().min(0).max(10_000).optional(),
  ALLOW_SIGNUP_ROLES: booleanText.default(false),
  CORS_ORIGINS: z
    .string()
    .default('http://localhost:8081')
    .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .pipe(z.array(origin)),
  TRUST_PROXY: trustProxy,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['json', 'pretty'], { error: 'must be json or pretty' }).optional(),
  WEB_CONCURRENCY: count(1, 1, 64),
  SHUTDOWN_TIMEOUT: duration('10s', 1, 600),
  METRICS_TOKEN: z.string().min(16, { error: 'must be at least 16 characters (or leave it unset)' }).optional(),
});

export type Env = z.infer<typeof envSchema>;

export interface Config {
  readonly env: Env['NODE_ENV'];
  readonly dataDir: string;
  readonly http: {
    readonly port: number;
    readonly host: string | undefined;
    readonly trustProxy: boolean | number | readonly string[];
    readonly corsOrigins: readonly string[];
  };
  readonly database: { readonly url: string };
  readonly tokens: {
    readonly issuer: string;
    readonly audience: string;
    readonly algorithm: SigningAlgorithm;
    /** The shared HS256 secret (JWT_SECRET); only with JWT_ALG=HS256. */
    readonly secret: string | undefined;
    /** Encrypts the stored private keys (AUTH_SECRET); only with asymmetric algorithms. */
    readonly keyEncryptionSecret: string | undefined;
    readonly accessTtlSeconds: number;
    /** Automatic key rotation period; 0 rotates only on request (`tokengate keys:rotate`). */
    readonly keyRotationSeconds: number;
  };
  readonly sessions: {
    /** Idle lifetime: a session unused for this long ends. */
    readonly refreshTtlSeconds: number;
    /** Absolute lifetime: no session outlives this, however active. */
    readonly maxAgeSeconds: number;
    readonly rotation: boolean;
    /** How often each instance reads new revocations from the database. */
    readonly revocationPollSeconds: number;
    /** Tokens in httpOnly cookies as well as (or instead of) response bodies. */
    readonly cookies: boolean;
  };
  readonly limits: {
    /** The window of the per-IP limits. */
    readonly windowSeconds: number;
    /** Requests to /api/auth/* per IP per window. */
    readonly ipRequests: number;
    /** Failed signins per IP per window. */
    readonly ipFailures: number;
    /** Failed signins of one account before it is throttled; 0 turns the throttle off. */
    readonly accountFreeFailures: number;
    /** The longest delay the account throttle imposes. */
    readonly accountMaxDelaySeconds: number;
  };
  readonly redis: { readonly url: string | undefined; readonly prefix: string };
  readonly hashing: {
    /** Password hashes computed at once, each on a low-priority hashing thread. */
    readonly concurrency: number;
    /** Hashes that may wait for a slot; beyond that, 503 at once. */
    readonly queue: number;
  };
  readonly accounts: {
    /** How often the accounts behind recently seen tokens are checked; 0 turns it off. */
    readonly checkIntervalSeconds: number;
  };
  readonly signup: { readonly allowRoles: boolean };
  readonly log: {
    readonly level: Env['LOG_LEVEL'];
    /** Pretty lines for people, or one JSON object a line for collectors. */
    readonly format: 'json' | 'pretty';
  };
  readonly process: {
    /** Worker processes sharing the port (node:cluster); 1 runs without a primary. */
    readonly workers: number;
    /** How long a shutdown waits for in-flight requests. */
    readonly shutdownTimeoutSeconds: number;
  };
  /** When set, GET /metrics requires `Authorization: Bearer <token>`. */
  readonly metricsToken: string | undefined;
}
