/** Thrown by a bounded executor whose slots and queue are all taken. */
export class ExecutorFullError extends Error {
  constructor() {
    super('too many tasks waiting');
    this.name = 'ExecutorFullError';
  }
}

export interface BoundedExecutor {
  /** Runs `task` when a slot is free; throws ExecutorFullError at once when the queue is full. */
  run<T>(task: () => Promise<T>): Promise<T>;
  readonly active: number;
  readonly waiting: number;
}

/** At most `concurrency` tasks at once, at most `queueLimit` waiting, first come first served. */
export function createBoundedExecutor(concurrency: number, queueLimit: number): BoundedExecutor {
  let active = 0;
  const waiting: Array<() => void> = [];

  function release(): void {
    const next = waiting.shift();
    if (next) next();
    else active -= 1;
  }

  return {
    async run(task) {
      if (active < concurrency) active += 1;
      else if (waiting.length < queueLimit) await new Promise<void>((resolve) => waiting.push(resolve));
      else throw new ExecutorFullError();
      try {
        return await task();
      } finally {
        release();
      }
    },
    get active() {
      return active;
    },
    get waiting() {
      return waiting.length;
    },
  };
}
