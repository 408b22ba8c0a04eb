import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer } from '../helpers/processes.js';

const cwd = mkdtempSync(path.join(tmpdir(), 'tokengate-shutdown-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

describe('graceful shutdown', () => {
  it('SIGTERM during slow requests: every one of them completes, then the process exits 0', async () => {
    // One argon2id hash at a time at OWASP cost: eight signins take a good while to answer.
    const server = await startServer({ cwd, env: { HASH_CONCURRENCY: '1', HASH_MAX_WAIT: '60s', LOG_LEVEL: 'info' } });
    const account = { username: 'patient', email: 'patient@example.test', password: 'a-long-password' };
    const post = (body: object) =>
      fetch(`${server.url}/api/auth/signin`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Connection: 'close' },
        body: JSON.stringify(body),
      });
    await fetch(`${server.url}/api/auth/signup`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(account),
    });

    let answered = 0;
    const inFlight = Array.from({ length: 8 }, () => post(account).finally(() => answered++));
    const firstDone = Promise.race(inFlight);
    // SIGTERM once the server holds all eight (hashing or waiting to), however busy the machine is.
    for (;;) {
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      const hashes = [...metrics.matchAll(/^tokengate_password_hashes\{state="(?:running|waiting)"\} (\d+)/gm)];
      if (hashes.reduce((sum, m) => sum + Number(m[1]), 0) + answered >= 8) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const exit = server.stop('SIGTERM');
    const responses = await Promise.all(inFlight);
    await firstDone;

    expect(responses.map((r) => r.status)).toEqual(Array(8).fill(200));
    for (const res of responses) expect(((await res.json()) as { accessToken: string }).accessToken).toEqual(expect.any(String));
    expect(await exit).toBe(0);
    expect(server.output()).toMatch(/shutting down: finishing in-flight requests/);
    expect(server.output()).toMatch(/"msg":"stopped"/);
    // Stopped means stopped: nothing listens any more.
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
  });
});
