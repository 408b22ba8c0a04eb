import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { runServerExpectingExit, startServer } from '../helpers/processes.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tokengate-start-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('node dist/main.js with no configuration', () => {
  it('serves the API on an embedded SQLite file with a generated, persisted secret, and stops cleanly', async () => {
    const cwd = tempDir();
    const server = await startServer({ cwd, env: {} });
    try {
      expect(server.output()).toMatch(/WARNING: AUTH_SECRET is not set/);
      expect(existsSync(path.join(cwd, 'data/tokengate.sqlite'))).toBe(true);
      expect(existsSync(path.join(cwd, 'data/auth-secret'))).toBe(true);

      const account = { username: 'quickstart', email: 'quick@example.test', password: 'a-long-password' };
      await request(server.url).post('/api/auth/signup').send(account).expect(200);
      const signin = await request(server.url).post('/api/auth/signin').send(account).expect(200);
      const token = signin.body.accessToken as string;
      const viaHeader = await request(server.url).get('/api/test/user').set('x-access-token', token).expect(200);
      expect(viaHeader.text).toBe('User Content.');
      await request(server.url).get('/api/test/user').set('Authorization', `Bearer ${token}`).expect(200);
      expect(await server.stop('SIGTERM')).toBe(0);

      // A restart keeps the secret and the keys, so tokens issued before it stay valid.
      const again = await startServer({ cwd, env: {} });
      try {
        await request(again.url).get('/api/test/user').set('x-access-token', token).expect(200);
      } finally {
        expect(await again.stop('SIGINT')).toBe(0);
      }
    } finally {
      if (server.child.exitCode === null) await server.stop('SIGKILL');
    }
  });
});

describe('configuration is validated at start', () => {
  it.each([
    ['NODE_ENV=production without AUTH_SECRET', { NODE_ENV: 'production' }, /AUTH_SECRET: required when NODE_ENV=production/],
    ['NODE_ENV=production with a short AUTH_SECRET', { NODE_ENV: 'production', AUTH_SECRET: 'short-secret' }, /AUTH_SECRET is shorter than 32 bytes/],
    [
      'NODE_ENV=production, JWT_ALG=HS256 without JWT_SECRET',
      { NODE_ENV: 'production', JWT_ALG: 'HS256' },
      /JWT_SECRET: required when NODE_ENV=production/,
    ],
    [
      'NODE_ENV=production, JWT_ALG=HS256 with a short JWT_SECRET',
      { NODE_ENV: 'production', JWT_ALG: 'HS256', JWT_SECRET: 'short-secret' },
      /JWT_SECRET is shorter than 32 bytes/,
    ],
    [
      "NODE_ENV=production, JWT_ALG=HS256 with the tutorial's secret",
      { NODE_ENV: 'production', JWT_ALG: 'HS256', JWT_SECRET: 'bezkoder-secret-key' },
      /well-known example value/,
    ],
    ['an unknown JWT_ALG', { JWT_ALG: 'none' }, /JWT_ALG: must be one of ES256, RS256, EdDSA, HS256/],
    ['a PORT that is not a number', { PORT: 'eighty' }, /PORT: .*\(got "eighty"\)/],
    ['an unknown DATABASE_URL scheme', { DATABASE_URL: 'oracle://db/x' }, /DATABASE_URL must start with sqlite:/],
    ['a malformed duration', { ACCESS_TOKEN_TTL: 'forever' }, /ACCESS_TOKEN_TTL: must be a duration/],
  ])('%s: exit 1 with a clear message', async (_name, env, message) => {
    const result = await runServerExpectingExit({ cwd: tempDir(), env });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('the secret value never appears in the error', async () => {
    const result = await runServerExpectingExit({ cwd: tempDir(), env: { NODE_ENV: 'production', JWT_ALG: 'HS256', JWT_SECRET: 'hunter2-secret' } });
    expect(result.code).toBe(1);
    expect(result.stderr + result.stdout).not.toContain('hunter2-secret');
  });
});
