import argon2, { type HashOptions } from 'argon2';
import bcrypt from 'bcryptjs';
import { ExecutorFullError, type BoundedExecutor } from '../../lib/bounded-executor.js';
import { randomToken } from '../../lib/crypto.js';
import { AppError } from '../../lib/errors.js';

/** argon2id cost. OWASP's minimum is 19 MiB of memory, 2 iterations, 1 lane. */
export interface Argon2Params {
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

export const OWASP_ARGON2: Argon2Params = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** True when `password` matches `hash` (argon2id, or a tutorial-era bcrypt hash). */
  verify(hash: string | null, password: string): Promise<boolean>;
  /** True for bcrypt hashes and argon2 hashes with other parameters: re-hash after a good signin. */
  needsRehash(hash: string): boolean;
  /** The work of one failed verify, for accounts that do not exist, so they cannot be told apart. */
  verifyNothing(password: string): Promise<void>;
}

const BCRYPT_PREFIX = /^\$2[aby]\$\d\d\$/;

export function isBcryptHash(hash: string): boolean {
  return BCRYPT_PREFIX.test(hash);
}

/**
 * argon2 and bcryptjs both hash off the event loop: argon2 on libuv's thread pool, bcryptjs in
 * small slices between other callbacks.
 */
export function createPasswordHasher(params: Argon2Params = OWASP_ARGON2): PasswordHasher {
  const options: HashOptions = { type: argon2.argon2id, ...params };
  // Made at once, so that even the first unknown-user signin costs exactly one verify.
  const dummyHash = argon2.hash(randomToken(), options);

  async function verifyArgon2(hash: string, password: string): Promise<boolean> {
    try {
      return await argon2.verify(hash, password);
    } catch {
      return false;
    }
  }

  return {
    hash: (password) => argon2.hash(password, options),

    async verify(hash, password) {
      if (hash && isBcryptHash(hash)) {
        // bcryptjs knows $2a$/$2b$; $2y$ (PHP's name) is the same algorithm.
        return bcrypt.compare(password, hash.replace(/^\$2y\$/, '$2b$'));
      }
      if (hash && hash.startsWith('$argon2')) return verifyArgon2(hash, password);
      await this.verifyNothing(password);
      return false;
    },

    needsRehash(hash) {
      if (!hash.startsWith('$argon2id$')) return true;
      try {
        return argon2.needsRehash(hash, params);
      } catch {
        return true;
      }
    },

    async verifyNothing(password) {
      await verifyArgon2(await dummyHash, password);
    },
  };
}

/**
 * The hasher behind a bounded executor: at most N hashes in flight and a short queue; past
 * that, 503 with Retry-After at once, so that a signin flood can neither exhaust memory nor
 * starve other requests of the thread pool.
 */
export function limitHashing(hasher: PasswordHasher, executor: BoundedExecutor): PasswordHasher {
  const run = async <T>(task: () => Promise<T>): Promise<T> => {
    try {
      return await executor.run(task);
    } catch (error) {
      if (error instanceof ExecutorFullError) {
        throw new AppError('OVERLOADED', 'The server is busy checking passwords. Please retry in a moment.', {
          headers: { 'Retry-After': '1' },
        });
      }
      throw error;
    }
  };
  return {
    hash: (password) => run(() => hasher.hash(password)),
    verify: (hash, password) => run(() => hasher.verify(hash, password)),
    needsRehash: (hash) => hasher.needsRehash(hash),
    verifyNothing: (password) => run(() => hasher.verifyNothing(password)),
  };
}
