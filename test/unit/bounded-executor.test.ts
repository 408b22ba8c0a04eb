import { describe, expect, it } from 'vitest';
import { createBoundedExecutor, ExecutorFullError } from '../../src/lib/bounded-executor.js';

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe('bounded executor', () => {
  it('runs at most `concurrency` tasks, queues up to the limit, and refuses the rest at once', async () => {
    const executor = createBoundedExecutor(2, 1);
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
    const accepted = [executor.run(task), executor.run(task), executor.run(task)];
    await expect(executor.run(task)).rejects.toBeInstanceOf(ExecutorFullError);
    expect(executor.active).toBe(2);
    expect(executor.waiting).toBe(1);
    g.open();
    expect(await Promise.all(accepted)).toEqual(['done', 'done', 'done']);
    expect(peak).toBe(2);
    expect(executor.active).toBe(0);
    expect(executor.waiting).toBe(0);
  });

  it('frees the slot of a task that fails', async () => {
    const executor = createBoundedExecutor(1, 0);
    await expect(executor.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(executor.run(() => Promise.resolve(1))).resolves.toBe(1);
  });
});
