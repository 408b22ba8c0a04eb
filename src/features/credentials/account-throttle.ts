import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Clock } from '../../lib/clock.js';
import { sha256Hex } from '../../lib/crypto.js';
import { usernameKey } from '../../lib/identity.js';
import type { Logger } from '../../lib/logger.js';

/*
 * Per-account signin throttle. After a few failed signins for one username (from any address),
 * each further failure makes the account wait longer before the next attempt: 1 s, 2 s, 4 s …
 * up to a maximum. The wait is bounded and ends with a successful signin, and a client address
 * that has signed in to the account before is not held back, so an attacker can slow an
 * account down but cannot lock its owner out. Unknown usernames are throttled exactly like
 * existing ones, so the throttle reveals nothing.
 *
 * The counters live in rate-limiter-flexible's stores: this process's memory, or Redis for all
 * instances. A lock is stored as the time it ends (by the injected clock), so tests can move time.
 */

export interface AccountThrottle {
  /** Seconds to wait when the account is throttled for this client; undefined otherwise. */
  /**
   * Seconds to wait when the account is throttled; undefined otherwise. A client address that
   * signed in to the account before is not held back; without an address, nobody is exempt.
   */
  retryAfter(username: string, ip: string | undefined): Promise<number | undefined>;
  /** Counts a failed signin; returns the new wait in seconds when the account is now throttled. */
  failed(username: string): Promise<number | undefined>;
  succeeded(username: string, ip: string | undefined): Promise<void>;
  /** Forgets the account's failures and wait (a password reset proved the owner); known clients stay. */
  clear(username: string): Promise<void>;
}

/** Failure counts are forgotten a day after the first failure of a streak. */
const FAILURE_MEMORY_SECONDS = 24 * 3600;
/** A client that signed in is trusted for the account this long. */
const KNOWN_CLIENT_SECONDS = 30 * 24 * 3600;

const accountId = (username: string) => sha256Hex(usernameKey(username)).slice(0, 32);
const clientId = (ip: string | undefined) => sha256Hex(ip ?? 'unknown').slice(0, 32);

/**
 * The memory store expires entries with setTimeout, which fires at once past 2^31 ms (24.8
 * days): in memory, known clients are kept that long at most (Redis keeps them 30 days).
 */
const MEMORY_TTL_LIMIT_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/** The three counters: failures per account, the lock per account, known clients per account. */
export interface ThrottleStores {
  failures: RateLimiterAbstract;
  locks: RateLimiterAbstract;
  known: RateLimiterAbstract;
  /** How long the store keeps a known client. */
  knownSeconds: number;
}

export function createThrottleStores(redis: Redis | undefined, prefix: string): ThrottleStores {
  const store = (name: string, duration: number): RateLimiterAbstract => {
    // Never refuses: these are counters and flags, the throttle decides.
    const options = { keyPrefix: `${prefix}throttle-${name}`, points: Number.MAX_SAFE_INTEGER, duration };
    return redis ? new RateLimiterRedis({ ...options, storeClient: redis, useRedisPackage: false }) : new RateLimiterMemory(options);
  };
  const knownSeconds = redis ? KNOWN_CLIENT_SECONDS : Math.min(KNOWN_CLIENT_SECONDS, MEMORY_TTL_LIMIT_SECONDS);
  return {
    failures: store('failures', FAILURE_MEMORY_SECONDS),
    locks: store('locks', FAILURE_MEMORY_SECONDS),
    known: store('known', knownSeconds),
    knownSeconds,
  };
}

export interface AccountThrottleDeps {
  stores: ThrottleStores;
  clock: Clock;
  logger: Logger;
  /** Failures allowed before the first wait; 0 turns the throttle off. */
  freeFailures: number;
  maxDelaySeconds: number;
}

export function createAccountThrottle({ stores, clock, logger, freeFailures, maxDelaySeconds }: AccountThrottleDeps): AccountThrottle {
  const off = freeFailures === 0;
  const { failures, locks, known } = stores;

  /** The throttle must never be why a signin fails: a broken store lets requests through. */
  async function tolerant<T>(work: () => Promise<T>, fallback: T): Promise<T> {
    try {
      return await work();
    } catch (error) {
      logger.warn({ err: error }, 'signin throttle store failed; not throttling');
      return fallback;
    }
  }

  return {
    async retryAfter(username, ip) {
      if (off) return undefined;
      const account = accountId(username);
      return tolerant(async () => {
        const wait = ((await locks.get(account))?.consumedPoints ?? 0) - clock.now();
        if (wait <= 0 || (ip !== undefined && (await known.get(`${account}:${clientId(ip)}`)) !== null)) return undefined;
        return Math.ceil(wait / 1000);
      }, undefined);
    },

    async failed(username) {
      if (off) return undefined;
      const account = accountId(username);
      return tolerant(async () => {
        const count = (await failures.penalty(account, 1)).consumedPoints;
        if (count < freeFailures) return undefined;
        const delaySeconds = Math.min(2 ** Math.min(count - freeFailures, 30), maxDelaySeconds);
        await locks.set(account, clock.now() + delaySeconds * 1000, delaySeconds + 1);
        return delaySeconds;
      }, undefined);
    },

    async succeeded(username, ip) {
      if (off) return;
      const account = accountId(username);
      await tolerant(async () => {
        await Promise.all([failures.delete(account), locks.delete(account)]);
        await known.set(`${account}:${clientId(ip)}`, 1, stores.knownSeconds);
      }, undefined);
    },

    async clear(username) {
      if (off) return;
      const account = accountId(username);
      await tolerant(() => Promise.all([failures.delete(account), locks.delete(account)]), undefined);
    },
  };
}
