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
  /**
   * Asks for a run as soon as possible (new work arrived): now, or right after the run in
   * progress, which may have looked before the work was there. Ignored when stopped.
   */
  nudge(): void;
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
  let again = false;

  function runNow(): Promise<void> {
    running ??= run()
      .then(() => undefined)
      .finally(() => {
        running = undefined;
      });
    return running;
  }

  function tick(): void {
    if (!started) return;
    clearTimeout(timer);
    runNow()
      .catch((error: unknown) => logger.warn({ err: error, job: name }, `${name} failed; will retry`))
      .finally(() => {
        if (again) {
          again = false;
          tick();
        } else schedule();
      });
  }

  function schedule(): void {
    if (!started) return;
    clearTimeout(timer);
    timer = setTimeout(tick, intervalMs);
    timer.unref();
  }

  return {
    name,
    runNow,
    nudge() {
      if (!started) return;
      if (running) again = true;
      else tick();
    },
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
