import type { Redis } from 'ioredis';
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
 */

export interface ThrottleState {
  failures: number;
  /** Epoch milliseconds before which the account accepts no attempt. */
  lockedUntil: number;
}

/** Where throttle state lives: this process, or Redis for all instances. */
export interface ThrottleStore {
  get(account: string): Promise<ThrottleState | undefined>;
  /** Counts a failure and stores the lock that `lockFor(failures)` computes. */
  addFailure(account: string, lockFor: (failures: number) => number): Promise<ThrottleState>;
  reset(account: string): Promise<void>;
  remember(account: string, client: string): Promise<void>;
  knows(account: string, client: string): Promise<boolean>;
}

export interface AccountThrottle {
  /** Seconds to wait when the account is throttled for this client; undefined otherwise. */
  retryAfter(username: string, ip: string | undefined): Promise<number | undefined>;
  /** Counts a failed signin; returns the new wait in seconds when the account is now throttled. */
  failed(username: string): Promise<number | undefined>;
  succeeded(username: string, ip: string | undefined): Promise<void>;
}

/** Failure counts are forgotten a day after the last failure. */
const FAILURE_MEMORY_MS = 24 * 3600 * 1000;
/** A client that signed in is trusted for the account this long. */
const KNOWN_CLIENT_MS = 30 * 24 * 3600 * 1000;
const MEMORY_ENTRIES = 100_000;

const accountId = (username: string) => sha256Hex(usernameKey(username)).slice(0, 32);
const clientId = (ip: string | undefined) => sha256Hex(ip ?? 'unknown').slice(0, 32);

export function createMemoryThrottleStore(clock: Clock): ThrottleStore {
  const states = new Map<string, ThrottleState & { forgetAt: number }>();
  const known = new Map<string, number>();
  const bounded = <V>(map: Map<string, V>) => {
    if (map.size > MEMORY_ENTRIES) {
      const oldest = map.keys().next();
      if (!oldest.done) map.delete(oldest.value);
    }
  };
  return {
    get(account) {
      const state = states.get(account);
      if (state && state.forgetAt <= clock.now()) states.delete(account);
      return Promise.resolve(states.get(account));
    },
    async addFailure(account, lockFor) {
      const failures = ((await this.get(account))?.failures ?? 0) + 1;
      const state = { failures, lockedUntil: lockFor(failures), forgetAt: clock.now() + FAILURE_MEMORY_MS };
      states.delete(account);
      states.set(account, state);
      bounded(states);
      return state;
    },
    reset(account) {
      states.delete(account);
      return Promise.resolve();
    },
    remember(account, client) {
      known.set(`${account}:${client}`, clock.now() + KNOWN_CLIENT_MS);
      bounded(known);
      return Promise.resolve();
    },
    knows(account, client) {
      return Promise.resolve((known.get(`${account}:${client}`) ?? 0) > clock.now());
    },
  };
}

export function createRedisThrottleStore(redis: Redis, prefix: string): ThrottleStore {
  const stateKey = (account: string) => `${prefix}throttle:${account}`;
  const knownKey = (account: string, client: string) => `${prefix}known:${account}:${client}`;
  return {
    async get(account) {
      const [failures, lockedUntil] = await redis.hmget(stateKey(account), 'failures', 'lockedUntil');
      return failures === null ? undefined : { failures: Number(failures), lockedUntil: Number(lockedUntil ?? 0) };
    },
    async addFailure(account, lockFor) {
      const key = stateKey(account);
      const failures = await redis.hincrby(key, 'failures', 1);
      const lockedUntil = lockFor(failures);
      await redis.multi().hset(key, 'lockedUntil', lockedUntil).pexpire(key, FAILURE_MEMORY_MS).exec();
      return { failures, lockedUntil };
    },
    async reset(account) {
      await redis.del(stateKey(account));
    },
    async remember(account, client) {
      await redis.set(knownKey(account, client), '1', 'PX', KNOWN_CLIENT_MS);
    },
    async knows(account, client) {
      return (await redis.exists(knownKey(account, client))) === 1;
    },
  };
}

export interface AccountThrottleDeps {
  store: ThrottleStore;
  clock: Clock;
  logger: Logger;
  /** Failures allowed before the first wait; 0 turns the throttle off. */
  freeFailures: number;
  maxDelaySeconds: number;
}

export function createAccountThrottle({ store, clock, logger, freeFailures, maxDelaySeconds }: AccountThrottleDeps): AccountThrottle {
  const off = freeFailures === 0;
  const lockFor = (failures: number) => {
    if (failures < freeFailures) return 0;
    const delaySeconds = Math.min(2 ** Math.min(failures - freeFailures, 30), maxDelaySeconds);
    return clock.now() + delaySeconds * 1000;
  };
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
        const state = await store.get(account);
        const wait = (state?.lockedUntil ?? 0) - clock.now();
        if (wait <= 0 || (await store.knows(account, clientId(ip)))) return undefined;
        return Math.ceil(wait / 1000);
      }, undefined);
    },

    async failed(username) {
      if (off) return undefined;
      return tolerant(async () => {
        const state = await store.addFailure(accountId(username), lockFor);
        const wait = state.lockedUntil - clock.now();
        return wait > 0 ? Math.ceil(wait / 1000) : undefined;
      }, undefined);
    },

    async succeeded(username, ip) {
      if (off) return;
      const account = accountId(username);
      await tolerant(async () => {
        await store.reset(account);
        await store.remember(account, clientId(ip));
      }, undefined);
    },
  };
}
