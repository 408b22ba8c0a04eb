import { describe, expect, it } from 'vitest';
import { periodicJob } from '../../src/lib/periodic-job.js';
import { createLogger } from '../../src/lib/logger.js';

const logger = createLogger({ level: 'silent' });

/** A run that finishes only when told to, so the test decides the order of events. */
function controlledRuns() {
  const releases: Array<() => void> = [];
  let started = 0;
  return {
    run: () =>
      new Promise<void>((resolve) => {
        started += 1;
        releases.push(resolve);
      }),
    started: () => started,
    finishNext: async () => {
      releases.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

describe('periodicJob.nudge', () => {
  it('runs at once instead of at the next tick, and once more after a run that was in progress', async () => {
    const runs = controlledRuns();
    const job = periodicJob({ name: 'test', intervalMs: 3_600_000, run: runs.run, logger });
    job.nudge();
    expect(runs.started()).toBe(0); // not started: ignored
    job.start();
    job.nudge();
    expect(runs.started()).toBe(1);
    job.nudge();
    job.nudge();
    expect(runs.started()).toBe(1); // never two runs at once
    await runs.finishNext();
    expect(runs.started()).toBe(2); // the run in progress may have looked before the new work was there
    await runs.finishNext();
    expect(runs.started()).toBe(2);
    const stopped = job.stop();
    job.nudge();
    await stopped;
    expect(runs.started()).toBe(2);
  });
});
