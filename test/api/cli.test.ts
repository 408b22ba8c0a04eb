import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, TEST_SECRET } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { enrollTotp, stepClock } from '../helpers/mfa.js';
import { runCli } from '../helpers/processes.js';
import { migrations } from '../../src/db/migrations/index.js';

async function waitFor401(call: () => PromiseLike<{ status: number }>): Promise<void> {
  const deadline = Date.now() + 5_000;
  while ((await call()).status !== 401) {
    if (Date.now() > deadline) throw new Error('the token was still accepted after 5 seconds');
    await new Promise((r) => setTimeout(r, 100));
  }
}

let database: TestDatabase;
let cwd: string;
let env: Record<string, string>;

beforeAll(async () => {
  database = await createTestDatabase();
  cwd = mkdtempSync(path.join(tmpdir(), 'tokengate-cli-'));
  env = { DATABASE_URL: database.url, AUTH_SECRET: TEST_SECRET };
});
afterAll(async () => {
  await database.drop();
  rmSync(cwd, { recursive: true, force: true });
});

const cli = (args: string[], extra: { env?: Record<string, string>; input?: string } = {}) =>
  runCli(args, { cwd, env: { ...env, ...extra.env }, input: extra.input });

describe('the tokengate CLI against a real database', () => {
  it('migrate: applies, reports status, and is idempotent', async () => {
    const first = await cli(['migrate']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/applied\s+0001-tutorial-schema/);
    expect((await cli(['migrate'])).stdout).toMatch(/Database is up to date/);
    expect((await cli(['migrate', 'status'])).stdout).toMatch(/applied\s+0001-tutorial-schema/);
  });

  it('users:create makes the first admin, who can then sign in and open the admin board', async () => {
    const created = await cli(['users:create', '--username', 'root', '--email', 'root@example.test', '--role', 'admin'], {
      env: { TOKENGATE_PASSWORD: 'root-password-1' },
    });
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/Created user \d+ \(root\) with roles admin\./);

    const app = await startApp({ database });
    try {
      const signin = await app.http().post('/api/auth/signin').send({ username: 'root', password: 'root-password-1' }).expect(200);
      expect(signin.body.roles).toEqual(['ROLE_ADMIN']);
      await app.http().get('/api/test/admin').set('x-access-token', signin.body.accessToken).expect(200);
    } finally {
      await app.close();
    }
  });

  it('users:create reads the password from standard input when no flag or variable gives it', async () => {
    const created = await cli(['users:create', '--username', 'piped', '--email', 'piped@example.test', '--role', 'user', 'moderator'], {
      input: 'piped-password-1\n',
    });
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/with roles user, moderator/);
  });

  it.each([
    [['users:create', '--username', 'root', '--email', 'other@example.test', '--password', 'long-enough'], /Failed! Username is already in use!/],
    [['users:create', '--username', 'hero', '--email', 'hero@example.test', '--password', 'long-enough', '--role', 'superhero'], /Role does not exist = superhero/],
    [['users:create', '--username', 'x', '--email', 'x@example.test', '--password', 'long-enough'], /username must be 3 to 32 characters/],
    [['users:create', '--username', 'nobody', '--email', 'nobody@example.test', '--password', 'short'], /password must be 8 to 128 characters/],
    [['users:create', '--email', 'x@example.test'], /required option '--username <name>' not specified/],
    [['migrate', 'sideways'], /'sideways' is invalid/],
    [['no-such-command'], /unknown command 'no-such-command'/],
  ])('%j fails with a clear message and a non-zero exit', async (args, message) => {
    const result = await cli(args);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('keys:rotate adds a key that the JWKS publishes; keys:list shows both', async () => {
    const before = await cli(['keys:list']);
    expect(before.code).toBe(0);
    expect(before.stdout).toMatch(/^current\s+\S+\s+ES256/m);
    const rotated = await cli(['keys:rotate', '--immediate']);
    expect(rotated.stderr).toBe('');
    expect(rotated.code).toBe(0);
    const kid = /Added signing key (\S+) \(ES256\)/.exec(rotated.stdout)?.[1];
    expect(kid).toBeDefined();
    const listed = await cli(['keys:list']);
    expect(listed.stdout).toMatch(new RegExp(`^current\\s+${kid}`, 'm'));
    expect(listed.stdout).toMatch(/^retired\s+\S+\s+ES256 .*verifies until/m);

    const app = await startApp({ database });
    try {
      const jwks = await app.http().get('/.well-known/jwks.json').expect(200);
      expect(jwks.body.keys.map((k: { kid: string }) => k.kid)).toContain(kid);
      const signin = await app.http().post('/api/auth/signin').send({ username: 'root', password: 'root-password-1' }).expect(200);
      expect(JSON.parse(Buffer.from(signin.body.accessToken.split('.')[0], 'base64url').toString()).kid).toBe(kid);
    } finally {
      await app.close();
    }
  });

  it('users:list, users:set-roles, users:disable, users:enable, users:revoke-sessions and users:delete act on a live server', async () => {
    const app = await startApp({ database });
    try {
      await cli(['users:create', '--username', 'carol', '--email', 'carol@example.test', '--password', 'carol-password-1']);
      const login = await app.http().post('/api/auth/signin').send({ username: 'carol', password: 'carol-password-1' }).expect(200);
      const board = () => app.http().get('/api/test/mod').set('x-access-token', login.body.accessToken);

      const listed = await cli(['users:list', '--search', 'caro']);
      expect(listed.code).toBe(0);
      expect(listed.stdout).toMatch(/carol\s+carol@example\.test\s+user/);
      expect(listed.stdout).toMatch(/^1 user\(s\); page 1 of 1\.$/m);

      const promoted = await cli(['users:set-roles', '--username', 'carol', '--role', 'user', 'moderator']);
      expect(promoted.stdout).toMatch(/carol now has roles user, moderator\./);
      const moderator = await app.http().post('/api/auth/signin').send({ username: 'carol', password: 'carol-password-1' });
      await app.http().get('/api/test/mod').set('x-access-token', moderator.body.accessToken).expect(200);

      expect((await cli(['users:revoke-sessions', '--username', 'carol'])).stdout).toMatch(/Ended every session of carol/);
      await waitFor401(() => app.http().get('/api/test/mod').set('x-access-token', moderator.body.accessToken));
      await waitFor401(board);

      expect((await cli(['users:disable', '--username', 'carol'])).stdout).toMatch(/carol is disabled/);
      await app.http().post('/api/auth/signin').send({ username: 'carol', password: 'carol-password-1' }).expect(401);
      expect((await cli(['users:list', '--disabled', 'true'])).stdout).toMatch(/carol.*\(disabled\)/);
      expect((await cli(['users:enable', '--username', 'carol'])).stdout).toMatch(/carol is enabled/);
      await app.http().post('/api/auth/signin').send({ username: 'carol', password: 'carol-password-1' }).expect(200);

      expect((await cli(['users:delete', '--username', 'carol'])).stdout).toMatch(/Deleted carol/);
      const gone = await cli(['users:disable', '--username', 'carol']);
      expect(gone.code).toBe(1);
      expect(gone.stderr).toMatch(/No user is named "carol"/);

      const last = await cli(['users:set-roles', '--username', 'root', '--role', 'user']);
      expect(last.code).toBe(1);
      expect(last.stderr).toMatch(/this would leave no active admin/);

      const audit = await app.http().get('/api/admin/audit?type=admin.').set('x-access-token', (await app.http().post('/api/auth/signin').send({ username: 'root', password: 'root-password-1' })).body.accessToken);
      expect(audit.body.items.map((e: { details: { via: string } }) => e.details.via)).toContain('cli');
    } finally {
      await app.close();
    }
  });

  it('users:reset-mfa removes the second factors of a user who lost the phone', async () => {
    const clock = stepClock();
    const app = await startApp({ database, clock });
    try {
      await cli(['users:create', '--username', 'dora', '--email', 'dora@example.test', '--password', 'dora-password-1']);
      const signin = () => app.http().post('/api/auth/signin').send({ username: 'dora', password: 'dora-password-1' }).expect(200);
      await enrollTotp(app, (await signin()).body, clock);
      expect((await signin()).body.mfaRequired).toBe(true);

      const reset = await cli(['users:reset-mfa', '--username', 'dora']);
      expect(reset.stderr).toBe('');
      expect(reset.code).toBe(0);
      expect(reset.stdout).toMatch(/Removed the second factors of dora/);
      expect((await signin()).body.accessToken).toEqual(expect.any(String));
    } finally {
      await app.close();
    }
  });

  it('migrate status lists every migration as applied', async () => {
    const status = await cli(['migrate', 'status']);
    expect(status.code).toBe(0);
    for (const m of migrations) expect(status.stdout).toMatch(new RegExp(`applied\\s+${m.name}`));
  });

  it('--help describes the commands', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/migrate/);
    expect(help.stdout).toMatch(/users:create/);
    expect(help.stdout).toMatch(/keys:rotate/);
    for (const command of ['users:list', 'users:set-roles', 'users:disable', 'users:enable', 'users:revoke-sessions', 'users:reset-mfa', 'users:delete']) {
      expect(help.stdout).toContain(command);
      const own = await cli([command, '--help']);
      expect(own.code).toBe(0);
      expect(own.stdout).toMatch(/Usage: tokengate/);
    }
    const sub = await cli(['users:create', '--help']);
    expect(sub.code).toBe(0);
    expect(sub.stdout).toMatch(/TOKENGATE_PASSWORD/);
  });
});
