import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, startApp, TEST_SECRET, type TestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { runCli } from '../helpers/processes.js';

let database: TestDatabase;
let cwd: string;

const cli = (args: string[], env: Record<string, string> = { AUTH_SECRET: TEST_SECRET }) =>
  runCli(args, { cwd, env: { DATABASE_URL: database.url, ...env } });

beforeAll(async () => {
  database = await createTestDatabase();
  cwd = mkdtempSync(path.join(tmpdir(), 'tokengate-cli-roles-'));
  await cli(['users:create', '--username', 'root', '--email', 'root@example.test', '--role', 'admin', '--password', 'root-password-1']);
});
afterAll(async () => {
  await database.drop();
  rmSync(cwd, { recursive: true, force: true });
});

describe('the CLI output', () => {
  it('keeps logs and warnings on stderr: stdout holds only the answer', async () => {
    // Without AUTH_SECRET the CLI warns (a generated development secret) and logs at info level.
    const listed = await cli(['users:list'], { LOG_LEVEL: 'info', LOG_FORMAT: 'json' });
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stderr).toMatch(/WARNING/);
    expect(listed.stdout).not.toMatch(/[{}]|WARNING|"level"/);
    expect(listed.stdout.split('\n')).toEqual([expect.stringMatching(/^\s+\d+ {2}root {2}root@example\.test {2}admin$/), '1 user(s); page 1 of 1.', '']);
  });

  it('--json prints one JSON document for lists', async () => {
    const users = await cli(['users:list', '--json'], { LOG_LEVEL: 'info' });
    expect(users.code, users.stderr).toBe(0);
    expect(JSON.parse(users.stdout)).toMatchObject({ total: 1, page: 1, size: 20, items: [{ username: 'root', roles: ['admin'] }] });
    const keys = JSON.parse((await cli(['keys:list', '--json'])).stdout) as { keys: { status: string }[] };
    expect(keys.keys.map((k) => k.status)).toContain('current');
    const status = JSON.parse((await cli(['migrate', 'status', '--json'])).stdout) as { applied: string[]; pending: string[] };
    expect(status.applied).toContain('0001-tutorial-schema');
    expect(status.pending).toEqual([]);
  });
});

describe('roles from the CLI', () => {
  it('roles:create makes a role that users:create --role grants, roles:list shows it, roles:delete removes it', async () => {
    expect((await cli(['users:create', '--username', 'eddie', '--email', 'eddie@example.test', '--role', 'editor', '--password', 'ed-password-1'])).stderr).toMatch(
      /Role does not exist = editor/,
    );
    const created = await cli(['roles:create', '--name', 'editor']);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toBe('Created role editor.\n');
    const again = await cli(['roles:create', '--name', 'editor']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/A role named "editor" exists already/);
    expect((await cli(['roles:create', '--name', 'Bad Name'])).stderr).toMatch(/name must be 2 to 32 lowercase letters/);

    const user = await cli(['users:create', '--username', 'eddie', '--email', 'eddie@example.test', '--role', 'user', 'editor', '--password', 'ed-password-1']);
    expect(user.code, user.stderr).toBe(0);
    expect(user.stdout).toMatch(/Created user \d+ \(eddie\) with roles user, editor\./);

    const listed = await cli(['roles:list']);
    expect(listed.stdout).toMatch(/^editor\s+custom\s+1 user\(s\)$/m);
    expect(listed.stdout).toMatch(/^admin\s+built-in\s+1 user\(s\)$/m);
    expect(JSON.parse((await cli(['roles:list', '--json'])).stdout).roles).toContainEqual(expect.objectContaining({ name: 'editor', builtin: false, users: 1 }));

    expect((await cli(['roles:delete', '--name', 'admin'])).code).toBe(1);
    const deleted = await cli(['roles:delete', '--name', 'editor']);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toBe('Deleted role editor.\n');
    expect((await cli(['roles:list'])).stdout).not.toMatch(/editor/);
  });
});

describe('role names in the admin API', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startApp({ database });
  });
  afterAll(() => app.close());

  it('accepts the ROLE_ form that signin shows as well as the stored name', async () => {
    const admin = await createUser(app, ['admin']);
    const target = await createUser(app);
    const as = (body: object) => app.http().patch(`/api/admin/users/${target.id}`).set('x-access-token', admin.accessToken).send(body);
    expect((await as({ roles: ['ROLE_USER', 'ROLE_MODERATOR'] }).expect(200)).body.roles).toEqual(['user', 'moderator']);
    expect((await as({ roles: ['user'] }).expect(200)).body.roles).toEqual(['user']);
    const unknown = await as({ roles: ['ROLE_SUPERHERO'] }).expect(400);
    expect(unknown.body.message).toBe('Failed! Role does not exist = ROLE_SUPERHERO');

    const created = await app
      .http()
      .post('/api/admin/users')
      .set('x-access-token', admin.accessToken)
      .send({ username: 'role-form', email: 'role-form@example.test', password: 'role-form-password', roles: ['ROLE_MODERATOR'] })
      .expect(201);
    expect(created.body.roles).toEqual(['moderator']);
    const filtered = await app.http().get('/api/admin/users?role=ROLE_MODERATOR').set('x-access-token', admin.accessToken).expect(200);
    expect(filtered.body.items.map((u: { username: string }) => u.username)).toEqual(['role-form']);
  });
});
