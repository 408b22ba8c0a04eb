import type { Logger } from './logger.js';

/**
 * Background work that runs every `intervalMs`: never two runs at once (the next one is
 * scheduled when the last has finished), a failed run logged and retried at the next tick, and
 * a stop that waits for the run in progress, so that nothing touches the database after it.
 */
export interface PeriodicJob {
  readonly name: string;
  start(): void;
  /** Runs now, or joins the run in progress. */
  runNow(): Promise<void>;
  stop(): Promise<void>;
}

export interface PeriodicJobOptions {
  name: string;
  intervalMs: number;
  run: () => Promise<unknown>;
  logger: Logger;
}

export function periodicJob({ name, intervalMs, run, logger }: PeriodicJobOptions): PeriodicJob {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let started = false;

  function runNow(): Promise<void> {
    running ??= run()
      .then(() => undefined)
      .finally(() => {
        running = undefined;
      });
    return running;
  }

  function schedule(): void {
    if (!started) return;
    timer = setTimeout(() => {
      runNow()
        .catch((error: unknown) => logger.warn({ err: error, job: name }, `${name} failed; will retry`))
        .finally(schedule);
    }, intervalMs);
    timer.unref();
  }

  return {
    name,
    runNow,
    start() {
      if (started) return;
      started = true;
      schedule();
    },
    async stop() {
      started = false;
      clearTimeout(timer);
      timer = undefined;
      await running?.catch(() => undefined);
    },
  };
}
