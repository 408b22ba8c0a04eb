import { DEFAULT_HASH_CONCURRENCY } from '../../config/config.schema.js';
import { ExecutorFullError, type BoundedExecutor } from '../../lib/bounded-executor.js';
import { randomToken } from '../../lib/crypto.js';
import { AppError } from '../../lib/errors.js';
import { hashThreads, type Argon2Options } from './hash-threads.js';

/** argon2id cost. OWASP's minimum is 19 MiB of memory, 2 iterations, 1 lane. */
export interface Argon2Params {
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

export const OWASP_ARGON2: Argon2Params = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export interface PasswordHasher {
  /**
   * Throws the 503 a hash would get now (the hashing is full), before the caller does any other
   * work for the request: a shed signin costs no database query. A hash may still be refused
   * later, when others were admitted in between.
   */
  admit(): void;
  hash(password: string): Promise<string>;
  /** True when `password` matches `hash` (argon2id, or a tutorial-era bcrypt hash). */
  verify(hash: string | null, password: string): Promise<boolean>;
  /** True for bcrypt hashes and argon2 hashes with other parameters: re-hash after a good signin. */
  needsRehash(hash: string): boolean;
  /**
   * The work of one failed verify, for accounts that do not exist, so they cannot be told apart.
   * With `bcryptCost` (adopted bcrypt hashes remain), a bcrypt compare of that cost as well.
   */
  verifyNothing(password: string, options?: EqualWork): Promise<void>;
  /**
   * After a refused signin of an account with `hash`: the other kind of hash's work, so that
   * every refusal costs the same while bcrypt hashes remain (argon2 after bcrypt, bcrypt after argon2).
   */
  padFailure(hash: string | null, password: string, options?: EqualWork): Promise<void>;
}

export interface EqualWork {
  /** The cost of the bcrypt hashes that remain, when some do. */
  bcryptCost?: number | undefined;
}

/** bcrypt compares only the first 72 bytes of a password. */
export const BCRYPT_MAX_BYTES = 72;

const BCRYPT_PREFIX = /^\$2[aby]\$\d\d\$/;
/** The PHC string of an argon2id hash: `$argon2id$v=19$m=19456,t=2,p=1$salt$hash`. */
const ARGON2ID = /^\$argon2id\$v=19\$([a-z]=\d+(?:,[a-z]=\d+)*)\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/;

/** The cost parameters of an argon2id hash, in whatever order the PHC string lists them. */
function argon2Params(hash: string): Record<string, number> | undefined {
  const list = ARGON2ID.exec(hash)?.[1];
  if (!list) return undefined;
  return Object.fromEntries(list.split(',').map((pair) => [pair[0]!, Number(pair.slice(2))]));
}

export function isBcryptHash(hash: string): boolean {
  return BCRYPT_PREFIX.test(hash);
}

/** The cost of a bcrypt hash (`$2b$08$…` → 8), within what a dummy compare may spend. */
export function bcryptCost(hash: string): number {
  return Math.min(Math.max(Number(hash.slice(4, 6)) || 10, 4), 15);
}

/**
 * argon2id, and bcryptjs for tutorial-era hashes, on Tokengate's hashing threads (see
 * hash-threads.ts), `threads` of them: neither runs on the event loop.
 */
export function createPasswordHasher(params: Argon2Params = OWASP_ARGON2, threads = DEFAULT_HASH_CONCURRENCY): PasswordHasher {
  const options: Argon2Options = { algorithm: 2, ...params };
  const pool = hashThreads(threads);
  const hashArgon2 = async (password: string) => String(await pool.run({ op: 'hash', password, options }));
  // Made at once, so that even the first unknown-user signin costs exactly one verify.
  const dummyHash = hashArgon2(randomToken());
  dummyHash.catch(() => undefined);

  async function verifyArgon2(hash: string, password: string): Promise<boolean> {
    try {
      return (await pool.run({ op: 'verify', hash, password })) === true;
    } catch {
      return false;
    }
  }

  return {
    admit() {},

    hash: hashArgon2,

    async verify(hash, password) {
      if (hash && isBcryptHash(hash)) {
        // bcryptjs knows $2a$/$2b$; $2y$ (PHP's name) is the same algorithm.
        return (await pool.run({ op: 'bcrypt', hash: hash.replace(/^\$2y\$/, '$2b$'), password }).catch(() => false)) === true;
      }
      if (hash && hash.startsWith('$argon2')) return verifyArgon2(hash, password);
      await this.verifyNothing(password);
      return false;
    },

    needsRehash(hash) {
      const found = argon2Params(hash);
      return !found || found.m !== params.memoryCost || found.t !== params.timeCost || found.p !== params.parallelism;
    },

    async verifyNothing(password, { bcryptCost: cost } = {}) {
      await verifyArgon2(await dummyHash, password);
      if (cost !== undefined) await pool.run({ op: 'bcrypt-dummy', cost, password });
    },

    async padFailure(hash, password, { bcryptCost: cost } = {}) {
      if (hash && isBcryptHash(hash)) await verifyArgon2(await dummyHash, password);
      else if (cost !== undefined) await pool.run({ op: 'bcrypt-dummy', cost, password });
    },
  };
}

/**
 * The hasher behind a bounded executor: at most N hashes in flight, and a hash admitted only
 * while its expected wait is short; past that, 503 with Retry-After at once, so that a signin
 * flood can neither exhaust memory nor starve other requests.
 */
export function limitHashing(hasher: PasswordHasher, executor: BoundedExecutor): PasswordHasher {
  const overloaded = (error: ExecutorFullError) =>
    new AppError('OVERLOADED', 'The server is busy checking passwords. Please retry in a moment.', {
      headers: { 'Retry-After': String(error.retryAfterSeconds) },
    });
  const run = async <T>(task: () => Promise<T>): Promise<T> => {
    try {
      return await executor.run(task);
    } catch (error) {
      if (error instanceof ExecutorFullError) throw overloaded(error);
      throw error;
    }
  };
  return {
    admit() {
      const refused = executor.refusal();
      if (refused) throw overloaded(refused);
    },
    hash: (password) => run(() => hasher.hash(password)),
    verify: (hash, password) => run(() => hasher.verify(hash, password)),
    needsRehash: (hash) => hasher.needsRehash(hash),
    verifyNothing: (password, options) => run(() => hasher.verifyNothing(password, options)),
    padFailure: (hash, password, options) => run(() => hasher.padFailure(hash, password, options)),
  };
}
