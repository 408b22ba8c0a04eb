import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { count, duration, setting, text, type Setting } from '../setting.js';

/** Password hashes in flight at once: one per core (each runs on a hashing thread of its own). */
export const DEFAULT_HASH_CONCURRENCY = Math.max(1, availableParallelism());

/** Abuse resistance: rate limits, the account throttle and the password-hash admission. */
export const limitSettings = {
  REDIS_URL: setting({
    schema: z
      .string()
      .trim()
      .regex(/^rediss?:\/\//i, { error: 'must be a redis:// or rediss:// URL' }),
    shown: 'none',
    description: '`redis://host:6379`: rate-limit and throttle counters shared by all instances (in memory without it).',
  }),
  REDIS_PREFIX: setting({ schema: text, default: 'tokengate:', description: 'Prefix of every Redis key.' }),
  RATE_LIMIT_WINDOW: setting({
    schema: duration(1, 86400),
    default: '15m',
    description: 'The window of the per-address limits.',
  }),
  RATE_LIMIT_IP: setting({
    schema: count(1, 1_000_000),
    default: '300',
    description: 'Requests to `/api/auth/*` per address per window.',
  }),
  RATE_LIMIT_IP_FAILURES: setting({
    schema: count(1, 1_000_000),
    default: '30',
    description: 'Failed signins per address per window (a password spray).',
  }),
  ACCOUNT_THROTTLE_AFTER: setting({
    schema: count(0, 1000),
    default: '5',
    description:
      'Failed signins of one username before each further failure makes it wait (1 s, 2 s, 4 s…); `0` turns it off.',
  }),
  ACCOUNT_THROTTLE_MAX: setting({
    schema: duration(1, 86400),
    default: '15m',
    description: 'The longest such wait.',
  }),
  HASH_CONCURRENCY: setting({
    schema: count(1, 64),
    default: String(DEFAULT_HASH_CONCURRENCY),
    shown: 'cores',
    description: 'Password hashes computed at once, each on a hashing thread of its own.',
  }),
  HASH_MAX_WAIT: setting({
    schema: duration(0, 60),
    default: '2s',
    description:
      'A signin or signup is admitted while its password hash would wait less than this (hashes ahead × the measured time of one ÷ `HASH_CONCURRENCY`); beyond it, 503 with `Retry-After` at once.',
  }),
} as const satisfies Record<string, Setting>;
