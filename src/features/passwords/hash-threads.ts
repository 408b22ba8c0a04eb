import { Piscina } from 'piscina';

/*
 * Password hashes are computed by worker threads of their own (piscina), not on libuv's thread
 * pool: the pool also runs the SQLite driver and file I/O, and neither should ever queue behind
 * a hash. The threads run at a lower CPU priority than the event loop, so that token checks
 * and other requests go first whenever the two compete for a core.
 */

/** @node-rs/argon2's options; the package is loaded by the hashing threads only. */
export interface Argon2Options {
  /** Algorithm.Argon2id */
  algorithm: 2;
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

export type HashTask =
  | { op: 'hash'; password: string; options: Argon2Options }
  | { op: 'verify'; hash: string; password: string }
  | { op: 'bcrypt'; hash: string; password: string }
  /** A bcrypt compare of this cost against a hash nobody has: the work of a check, for equal timing. */
  | { op: 'bcrypt-dummy'; cost: number; password: string };

/** Nice value added to the hashing threads: below the event loop, above idle. */
const HASH_THREAD_NICE = 10;

const pools = new Map<number, Piscina>();

/**
 * The process's hashing threads for `size` hashes at once, shared by every hasher that asks
 * for that size (tests run several apps in one process). Idle threads do not keep the process alive.
 */
export function hashThreads(size: number): { run(task: HashTask): Promise<string | boolean> } {
  let pool = pools.get(size);
  if (!pool) {
    pool = new Piscina({
      filename: new URL('./hash-worker.mjs', import.meta.url).href,
      minThreads: size,
      maxThreads: size,
      idleTimeout: 60_000,
      niceIncrement: HASH_THREAD_NICE,
    });
    pools.set(size, pool);
  }
  const threads = pool;
  return { run: (task) => threads.run(task) as Promise<string | boolean> };
}
