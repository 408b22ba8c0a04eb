import { Worker } from 'node:worker_threads';

/*
 * Password hashes are computed by worker threads of their own, not on libuv's thread pool:
 * the pool also runs the SQLite driver and file I/O, and neither should ever queue behind a
 * hash. The threads run at a lower priority than the event loop.
 */

/** @node-rs/argon2's options; the package is loaded by the hashing threads only. */
export interface Argon2Options {
  /** Algorithm.Argon2id */
  algorithm: 2;
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

type Task = { op: 'hash'; password: string; options: Argon2Options } | { op: 'verify'; hash: string; password: string };
type Reply = { id: number; result?: string | boolean; error?: string };

interface Pending {
  resolve(value: string | boolean): void;
  reject(error: Error): void;
}

interface Slot {
  worker: Worker;
  /** The tasks this thread has been given and not yet answered, by id. */
  pending: Map<number, Pending>;
}

/** Nice value of the hashing threads: below the event loop, above idle. */
const HASH_THREAD_NICE = 10;

export interface HashPool {
  run(task: Task): Promise<string | boolean>;
  /** Makes sure at least `size` threads exist. */
  ensure(size: number): void;
  readonly size: number;
}

function createHashPool(): HashPool {
  const workers: Slot[] = [];
  let nextId = 0;

  function spawn(): void {
    const worker = new Worker(new URL('./hash-worker.mjs', import.meta.url), { workerData: { nice: HASH_THREAD_NICE } });
    const slot: Slot = { worker, pending: new Map() };
    worker.on('message', (reply: Reply) => {
      const task = slot.pending.get(reply.id);
      slot.pending.delete(reply.id);
      // An idle thread must not keep the process alive; a busy one must.
      if (slot.pending.size === 0) worker.unref();
      if (!task) return;
      if (reply.error !== undefined) task.reject(new Error(reply.error));
      else task.resolve(reply.result!);
    });
    worker.on('error', (error) => {
      // A dead thread fails its own tasks and is replaced.
      for (const task of slot.pending.values()) task.reject(error);
      slot.pending.clear();
      workers.splice(workers.indexOf(slot), 1);
      spawn();
    });
    worker.unref();
    workers.push(slot);
  }

  return {
    run(task) {
      if (workers.length === 0) spawn();
      const slot = workers.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
      if (slot.pending.size === 0) slot.worker.ref();
      const id = nextId++;
      return new Promise((resolve, reject) => {
        slot.pending.set(id, { resolve, reject });
        slot.worker.postMessage({ ...task, id });
      });
    },
    ensure(size) {
      while (workers.length < size) spawn();
    },
    get size() {
      return workers.length;
    },
  };
}

/** The process's hashing threads, shared by every hasher (tests run several apps in one process). */
export const hashPool: HashPool = createHashPool();
