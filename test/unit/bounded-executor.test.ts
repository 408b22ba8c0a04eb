import { describe, expect, it } from 'vitest';
import { createBoundedExecutor, ExecutorFullError } from '../../src/lib/bounded-executor.js';

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe('bounded executor', () => {
  it('runs at most `concurrency` tasks, admits while the expected wait is short enough, and refuses the rest at once', async () => {
    // 2 at once, 40 ms a task assumed: the k-th waiting task expects k × 40 / 2 ms; 100 ms admits five.
    const executor = createBoundedExecutor({ concurrency: 2, maxWaitMs: 100, initialMeanMs: 40 });
    const g = gate();
    let running = 0;
    let peak = 0;
    const task = async () => {
      running += 1;
      peak = Math.max(peak, running);
      await g.opened;
      running -= 1;
      return 'done';
    };
    const accepted = Array.from({ length: 7 }, () => executor.run(task));
    const refused = executor.run(task);
    await expect(refused).rejects.toBeInstanceOf(ExecutorFullError);
    await expect(refused).rejects.toMatchObject({ retryAfterSeconds: 1 });
    expect(executor.active).toBe(2);
    expect(executor.waiting).toBe(5);
    g.open();
    expect(await Promise.all(accepted)).toEqual(Array(7).fill('done'));
    expect(peak).toBe(2);
    expect(executor.active).toBe(0);
    expect(executor.waiting).toBe(0);
  });

  it('refusal() answers what run() would do now, without taking a slot', async () => {
    const executor = createBoundedExecutor({ concurrency: 1, maxWaitMs: 0 });
    expect(executor.refusal()).toBeUndefined();
    expect(executor.active).toBe(0);
    const g = gate();
    const first = executor.run(() => g.opened);
    expect(executor.refusal()).toBeInstanceOf(ExecutorFullError);
    await expect(executor.run(() => Promise.resolve())).rejects.toBeInstanceOf(ExecutorFullError);
    g.open();
    await first;
    expect(executor.refusal()).toBeUndefined();
  });

  it('with no allowed wait, admits only while a slot is free', async () => {
    const executor = createBoundedExecutor({ concurrency: 1, maxWaitMs: 0 });
    const g = gate();
    const first = executor.run(() => g.opened);
    await expect(executor.run(() => Promise.resolve())).rejects.toBeInstanceOf(ExecutorFullError);
    g.open();
    await first;
    await expect(executor.run(() => Promise.resolve(2))).resolves.toBe(2);
  });

  it('learns the task time: quick tasks let more wait, slow ones fewer', async () => {
    const executor = createBoundedExecutor({ concurrency: 1, maxWaitMs: 1000, initialMeanMs: 1000 });
    for (let i = 0; i < 40; i++) await executor.run(() => Promise.resolve());
    expect(executor.meanTaskMs).toBeLessThan(50);
    const g = gate();
    const admitted = Array.from({ length: 10 }, () => executor.run(() => g.opened));
    expect(executor.waiting).toBe(9);
    g.open();
    await Promise.all(admitted);
  });

  it('frees the slot of a task that fails', async () => {
    const executor = createBoundedExecutor({ concurrency: 1, maxWaitMs: 0 });
    await expect(executor.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(executor.run(() => Promise.resolve(1))).resolves.toBe(1);
  });
});
