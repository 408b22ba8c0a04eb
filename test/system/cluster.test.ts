import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, startServer } from '../helpers/processes.js';

const cwd = mkdtempSync(path.join(tmpdir(), 'tokengate-cluster-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

/** The pid of the worker that answers, on a fresh connection each time. */
async function answeringPid(url: string): Promise<number | undefined> {
  try {
    const res = await fetch(`${url}/healthz`, { headers: { Connection: 'close' }, signal: AbortSignal.timeout(2_000) });
    return ((await res.json()) as { pid: number }).pid;
  } catch {
    return undefined;
  }
}

async function pidsAnswering(url: string, tries: number): Promise<Set<number>> {
  const pids = new Set<number>();
  for (let i = 0; i < tries; i++) {
    const pid = await answeringPid(url);
    if (pid !== undefined) pids.add(pid);
  }
  return pids;
}

describe('WEB_CONCURRENCY=2', () => {
  it('serves from two workers, replaces one that is killed, and stops cleanly', async () => {
    const port = await freePort();
    const server = await startServer({ cwd, env: { WEB_CONCURRENCY: '2', PORT: String(port) }, listeners: 2 });
    try {
      expect(server.output()).toMatch(/started the workers/);
      const workers = await pidsAnswering(server.url, 60);
      expect(workers.size).toBe(2);
      expect(workers.has(server.child.pid!)).toBe(false);

      const [victim] = [...workers];
      process.kill(victim!, 'SIGKILL');
      // The service keeps answering while the worker is replaced.
      const deadline = Date.now() + 15_000;
      let replaced = new Set<number>();
      while (Date.now() < deadline) {
        replaced = await pidsAnswering(server.url, 20);
        if (replaced.size === 2 && !replaced.has(victim!)) break;
      }
      expect(replaced.size).toBe(2);
      expect(replaced.has(victim!)).toBe(false);
      expect(server.output()).toMatch(/a worker died; starting another/);
    } finally {
      expect(await server.stop('SIGTERM')).toBe(0);
    }
    expect(server.output()).toMatch(/all workers stopped/);
  });
});
