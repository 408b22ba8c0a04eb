import { execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, startApp, type TestApp } from '../helpers/app.js';
import { freePort } from '../helpers/processes.js';

/*
 * A PostgreSQL server of this test's own (so that stopping it disturbs no other test), stopped
 * and started again under a running Tokengate.
 */

const BIN = process.env.TEST_PG_BIN ?? '/usr/lib/postgresql/15/bin';
const dir = mkdtempSync(path.join(tmpdir(), 'tokengate-pg-'));
const data = path.join(dir, 'data');
let port: number;

/** Runs a PostgreSQL program as the postgres user (the server refuses to run as root). */
function pg(program: string, args: string[]): void {
  const command = process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--', path.join(BIN, program)] : [path.join(BIN, program)];
  execFileSync(command[0]!, [...command.slice(1), ...args], { stdio: 'pipe' });
}

const startServer = () =>
  pg('pg_ctl', ['-D', data, '-l', path.join(dir, 'log'), '-w', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, 'start']);
const stopServer = () => pg('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);

async function eventually(check: () => Promise<boolean>, seconds: number): Promise<boolean> {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

let app: TestApp;

beforeAll(async () => {
  if (process.getuid?.() === 0) chownSync(dir, Number(execFileSync('id', ['-u', 'postgres']).toString()), 0);
  port = await freePort();
  pg('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  startServer();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  app = await startApp({ database: { url, dialect: 'postgres', drop: () => Promise.resolve() } });
});

afterAll(async () => {
  await app?.close().catch(() => undefined);
  try {
    stopServer();
  } catch {
    // already stopped
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('the database stops and starts again under the running app', () => {
  it('503 while it is down (readiness too), success once it is back, without a restart of the app', async () => {
    const user = await createUser(app);
    const signin = () => app.http().post('/api/auth/signin').send({ username: user.username, password: user.password });
    await signin().expect(200);
    await app.http().get('/readyz').expect(200);

    stopServer();

    const outage = await signin();
    expect(outage.status).toBe(503);
    expect(outage.body).toEqual({ message: 'The database is unavailable. Please retry shortly.', code: 'DATABASE_UNAVAILABLE' });
    expect(outage.headers['retry-after']).toBe('5');
    const ready = await app.http().get('/readyz').expect(503);
    expect(ready.body.code).toBe('NOT_READY');
    // Verifying a token needs no database: protected boards keep answering.
    await app.http().get('/api/test/user').set('x-access-token', user.accessToken).expect(200);
    await app.http().get('/healthz').expect(200);

    startServer();

    expect(await eventually(async () => (await signin()).status === 200, 30)).toBe(true);
    await app.http().get('/readyz').expect(200);
    await app.http().post('/api/auth/refreshtoken').send({ refreshToken: user.refreshToken }).expect(200);
  });
});
