import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanEnv, freePort, ROOT } from '../helpers/processes.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/**
 * `npm start` as a supervisor runs it (systemd, a container's PID 1): the signal goes to npm.
 * `npm test` has built already, so prestart finds dist/ current and starts it without a build.
 */
async function npmStart(): Promise<{ url: string; stop(signal: NodeJS.Signals): Promise<number | null>; output: () => string }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tokengate-npm-start-'));
  dirs.push(dataDir);
  const port = await freePort();
  const child = spawn('npm', ['start'], {
    cwd: ROOT,
    env: cleanEnv({ DATA_DIR: dataDir, PORT: String(port), HASH_CONCURRENCY: '1' }),
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const onData = (data: Buffer) => {
      output += data.toString();
      if (/listening on port/.test(output)) resolve();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then((code) => reject(new Error(`npm start exited with ${code}:\n${output}`)));
  });
  return { url: `http://127.0.0.1:${port}`, output: () => output, stop: (signal) => (child.kill(signal), exited) };
}

describe('npm start', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('exits 0 after draining on %s, with a request in flight', async (signal) => {
    const server = await npmStart();
    const account = { username: 'npm-start', email: 'npm-start@example.test', password: 'a-long-password' };
    const inFlight = fetch(`${server.url}/api/auth/signup`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Connection: 'close' },
      body: JSON.stringify(account),
    });
    await new Promise((r) => setTimeout(r, 20));
    const exit = server.stop(signal);
    expect((await inFlight).status).toBe(200);
    expect(await exit).toBe(0);
    expect(server.output()).toMatch(/"msg":"stopped"/);
    expect(server.output()).not.toMatch(/tokengate: building/);
  });
});
