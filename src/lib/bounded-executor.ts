/** Thrown when a task would wait too long for a slot; `retryAfterSeconds` is when to try again. */
export class ExecutorFullError extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super('the expected wait is too long');
    this.name = 'ExecutorFullError';
  }
}

export interface BoundedExecutor {
  /** Runs `task` when a slot is free; throws ExecutorFullError at once when the wait would be too long. */
  run<T>(task: () => Promise<T>): Promise<T>;
  /**
   * The refusal `run` would throw if called now, or undefined when it would admit the task: for
   * callers that must refuse before doing any other work for a task (a database lookup).
   */
  refusal(): ExecutorFullError | undefined;
  readonly active: number;
  readonly waiting: number;
  /** The measured mean time of one task, in milliseconds. */
  readonly meanTaskMs: number;
}

export interface BoundedExecutorOptions {
  concurrency: number;
  /** A task is admitted while its expected wait stays under this; 0 admits only when a slot is free. */
  maxWaitMs: number;
  /** The mean task time assumed until tasks have been measured. */
  initialMeanMs?: number;
}

/** Weight of the newest measurement in the moving mean of task times. */
const SMOOTHING = 0.2;

/**
 * At most `concurrency` tasks at once, first come first served. A task is admitted while the
 * wait it can expect — the tasks ahead of it × the measured mean task time ÷ concurrency —
 * stays under `maxWaitMs`; otherwise it is refused at once: a burst of ordinary size waits a
 * little, a flood is shed before it piles up memory and latency.
 */
export function createBoundedExecutor({ concurrency, maxWaitMs, initialMeanMs = 20 }: BoundedExecutorOptions): BoundedExecutor {
  let active = 0;
  let meanMs = initialMeanMs;
  const waiting: Array<() => void> = [];

  function release(): void {
    const next = waiting.shift();
    if (next) next();
    else active -= 1;
  }

  function expectedWaitMs(): number {
    return active < concurrency ? 0 : ((waiting.length + 1) * meanMs) / concurrency;
  }

  function refusal(): ExecutorFullError | undefined {
    const wait = expectedWaitMs();
    return wait > maxWaitMs ? new ExecutorFullError(Math.max(1, Math.ceil(wait / 1000))) : undefined;
  }

  return {
    refusal,
    async run(task) {
      const refused = refusal();
      if (refused) throw refused;
      if (active < concurrency) active += 1;
      else await new Promise<void>((resolve) => waiting.push(resolve));
      const started = performance.now();
      try {
        return await task();
      } finally {
        meanMs += SMOOTHING * (performance.now() - started - meanMs);
        release();
      }
    },
    get active() {
      return active;
    },
    get waiting() {
      return waiting.length;
    },
    get meanTaskMs() {
      return meanMs;
    },
  };
}
