import express from 'express';
import { QueryTypes } from 'sequelize';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGuards } from '../../src/http/guards.js';
import { errorHandler } from '../../src/http/error-handler.js';
import { createLogger } from '../../src/lib/logger.js';
import { createUser, startApp, uniqueName, type TestApp, type TestUser } from '../helpers/app.js';

let app: TestApp;
let other: TestApp;
let admin: TestUser;
let moderator: TestUser;
let user: TestUser;
let bystander: TestUser;

beforeAll(async () => {
  app = await startApp();
  other = await startApp({ database: app.database });
  [admin, moderator, user, bystander] = await Promise.all([
    createUser(app, ['admin']),
    createUser(app, ['moderator']),
    createUser(app),
    createUser(app),
  ]);
});
afterAll(async () => {
  await other.close();
  await app.close();
});

const as = (token: string | undefined) => ({
  get: (path: string) => withToken(app.http().get(path), token),
  post: (path: string, body?: object) => withToken(app.http().post(path), token).send(body),
  patch: (path: string, body?: object) => withToken(app.http().patch(path), token).send(body),
  delete: (path: string) => withToken(app.http().delete(path), token),
});
function withToken<T extends { set(name: string, value: string): T }>(req: T, token: string | undefined): T {
  return token === undefined ? req : req.set('Authorization', `Bearer ${token}`);
}

/** Polls until the token is refused on the other instance, for at most 5 seconds. */
async function refusedWithin5s(token: string): Promise<boolean> {
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline) {
    if ((await other.http().get('/api/test/user').set('x-access-token', token)).status === 401) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

describe('every administrative endpoint: admin only', () => {
  const endpoints: Array<[string, (t: string | undefined) => Promise<{ status: number; body: { message?: string } }>]> = [
    ['GET /api/admin/users', (t) => as(t).get('/api/admin/users')],
    ['POST /api/admin/users', (t) => as(t).post('/api/admin/users', { username: uniqueName('n'), email: `${uniqueName('n')}@example.test`, password: 'a-long-password' })],
    ['GET /api/admin/users/:id', (t) => as(t).get(`/api/admin/users/${user.id}`)],
    ['PATCH /api/admin/users/:id', (t) => as(t).patch(`/api/admin/users/${bystander.id}`, { roles: ['user'] })],
    ['DELETE /api/admin/users/:id/sessions', (t) => as(t).delete(`/api/admin/users/${bystander.id}/sessions`)],
    ['GET /api/admin/roles', (t) => as(t).get('/api/admin/roles')],
    ['POST /api/admin/roles', (t) => as(t).post('/api/admin/roles', { name: `r${Date.now().toString(36)}${Math.floor(Math.random() * 1e6)}` })],
    ['GET /api/admin/audit', (t) => as(t).get('/api/admin/audit')],
  ];

  it.each(endpoints)('%s: 403 for a user and a moderator, 403/401 without a valid token', async (_name, call) => {
    for (const denied of [user, moderator]) {
      const res = await call(denied.accessToken);
      expect(res.status).toBe(403);
      expect(res.body.message).toBe('Require Admin Role!');
    }
    expect((await call(undefined)).status).toBe(403);
    expect((await call('not-a-token')).status).toBe(401);
  });

  it.each(endpoints)('%s: allowed for an admin', async (_name, call) => {
    const res = await call(admin.accessToken);
    expect([200, 201]).toContain(res.status);
  });

  it('DELETE /api/admin/users/:id and DELETE /api/admin/roles/:name: denied, then allowed', async () => {
    const victim = await createUser(app);
    await app.services.roleService.create('doomed-role', { context: {} });
    for (const denied of [user.accessToken, moderator.accessToken]) {
      expect((await as(denied).delete(`/api/admin/users/${victim.id}`)).status).toBe(403);
      expect((await as(denied).delete('/api/admin/roles/doomed-role')).status).toBe(403);
    }
    expect((await as(undefined).delete(`/api/admin/users/${victim.id}`)).status).toBe(403);
    expect((await as(admin.accessToken).delete(`/api/admin/users/${victim.id}`)).status).toBe(200);
    expect((await as(admin.accessToken).delete('/api/admin/roles/doomed-role')).status).toBe(200);
    expect((await as(admin.accessToken).get(`/api/admin/users/${victim.id}`)).status).toBe(404);
  });
});

describe('self-service: /api/users/me', () => {
  it('shows the caller’s own account and nobody else’s', async () => {
    const res = await as(user.accessToken).get('/api/users/me').expect(200);
    expect(res.body).toEqual({
      id: user.id,
      username: user.username,
      email: user.email,
      emailVerified: false,
      roles: ['user'],
      disabled: false,
      createdAt: expect.any(String),
      mfa: { totp: false, recoveryCodesLeft: 0, passkeys: 0 },
    });
    expect(res.text).not.toMatch(/argon2|password/);
    expect((await as(user.accessToken).get(`/api/users/${admin.id}`)).status).toBe(404);
    expect((await as(undefined).get('/api/users/me')).status).toBe(403);
    expect((await as('garbage').get('/api/users/me')).status).toBe(401);
  });

  it('asks to change the email (the link confirms it: test/api/mail-verification.test.ts), keeping it unique', async () => {
    const me = await createUser(app);
    const email = `${uniqueName('new')}@example.test`;
    const res = await as(me.accessToken).patch('/api/users/me', { email }).expect(202);
    expect(res.body.message).toBe(`A confirmation link was sent to ${email}. Your address changes when it is used.`);
    expect((await as(me.accessToken).get('/api/users/me')).body.email).toBe(me.email);
    const taken = await as(me.accessToken).patch('/api/users/me', { email: admin.email.toUpperCase() }).expect(400);
    expect(taken.body.message).toBe('Failed! Email is already in use!');
    const invalid = await as(me.accessToken).patch('/api/users/me', { email: 'nope' }).expect(400);
    expect(invalid.body.errors[0].field).toBe('email');
  });

  it.each([
    ['roles', { roles: ['admin'] }],
    ['id', { id: 1, email: 'x@example.test' }],
    ['username', { username: 'someone-else' }],
    ['disabled', { disabled: false }],
    ['password', { password: 'a-long-password' }],
  ])('refuses %s in the body (no mass assignment)', async (field, body) => {
    const res = await as(user.accessToken).patch('/api/users/me', body).expect(400);
    expect(res.body.errors).toEqual(expect.arrayContaining([{ field, message: `${field} cannot be set here` }]));
    const me = await as(user.accessToken).get('/api/users/me');
    expect(me.body.roles).toEqual(['user']);
  });

  it('changing the password ends the other sessions but keeps the current one', async () => {
    const me = await createUser(app);
    const phone = (await app.http().post('/api/auth/signin').send({ username: me.username, password: me.password })).body;
    const res = await as(me.accessToken)
      .post('/api/users/me/password', { currentPassword: me.password, newPassword: 'a brand new passphrase' })
      .expect(200);
    expect(res.body.message).toMatch(/other sessions have been ended/);

    await app.http().get('/api/test/user').set('x-access-token', me.accessToken).expect(200);
    await app.http().post('/api/auth/refreshtoken').send({ refreshToken: me.refreshToken }).expect(200);
    expect(await refusedWithin5s(phone.accessToken)).toBe(true);
    await app.http().post('/api/auth/refreshtoken').send({ refreshToken: phone.refreshToken }).expect(403);

    await app.http().post('/api/auth/signin').send({ username: me.username, password: me.password }).expect(401);
    await app.http().post('/api/auth/signin').send({ username: me.username, password: 'a brand new passphrase' }).expect(200);
  });

  it('refuses a wrong current password and a weak new one', async () => {
    const me = await createUser(app);
    const wrong = await as(me.accessToken)
      .post('/api/users/me/password', { currentPassword: 'not-it', newPassword: 'a brand new passphrase' })
      .expect(400);
    expect(wrong.body.code).toBe('WRONG_CURRENT_PASSWORD');
    const common = await as(me.accessToken)
      .post('/api/users/me/password', { currentPassword: me.password, newPassword: 'password123' })
      .expect(400);
    expect(common.body.errors[0]).toEqual({ field: 'newPassword', message: expect.stringMatching(/most commonly used/) });
    const same = await as(me.accessToken)
      .post('/api/users/me/password', { currentPassword: me.password, newPassword: me.password })
      .expect(400);
    expect(same.body.message).toBe('newPassword must differ from currentPassword');
    await app.http().get('/api/test/user').set('x-access-token', me.accessToken).expect(200);
  });
});

describe('changes that end a user’s sessions', () => {
  it('disabling: the access token is refused within 5 s, refresh and signin fail like a wrong password', async () => {
    const target = await createUser(app);
    await as(admin.accessToken).patch(`/api/admin/users/${target.id}`, { disabled: true }).expect(200);
    expect(await refusedWithin5s(target.accessToken)).toBe(true);
    await app.http().post('/api/auth/refreshtoken').send({ refreshToken: target.refreshToken }).expect(403);
    const res = await app.http().post('/api/auth/signin').send({ username: target.username, password: target.password });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ accessToken: null, message: 'Invalid username or password.', code: 'INVALID_CREDENTIALS' });

    await as(admin.accessToken).patch(`/api/admin/users/${target.id}`, { disabled: false }).expect(200);
    await app.http().post('/api/auth/signin').send({ username: target.username, password: target.password }).expect(200);
  });

  it('deleting: the access token is refused within 5 s, refresh fails', async () => {
    const target = await createUser(app);
    await as(admin.accessToken).delete(`/api/admin/users/${target.id}`).expect(200);
    expect(await refusedWithin5s(target.accessToken)).toBe(true);
    await app.http().post('/api/auth/refreshtoken').send({ refreshToken: target.refreshToken }).expect(403);
  });

  it('demoting: the access token is refused within 5 s, refresh fails; a new signin carries the new roles', async () => {
    const target = await createUser(app, ['user', 'moderator']);
    const res = await as(admin.accessToken).patch(`/api/admin/users/${target.id}`, { roles: ['user'] }).expect(200);
    expect(res.body.roles).toEqual(['user']);
    expect(await refusedWithin5s(target.accessToken)).toBe(true);
    await app.http().post('/api/auth/refreshtoken').send({ refreshToken: target.refreshToken }).expect(403);
    const again = await app.http().post('/api/auth/signin').send({ username: target.username, password: target.password });
    await app.http().get('/api/test/mod').set('x-access-token', again.body.accessToken).expect(403);
  });

  it('promoting keeps the sessions; the next refresh carries the new role', async () => {
    const target = await createUser(app);
    await as(admin.accessToken).patch(`/api/admin/users/${target.id}`, { roles: ['user', 'moderator'] }).expect(200);
    await app.http().get('/api/test/user').set('x-access-token', target.accessToken).expect(200);
    const refreshed = await app.http().post('/api/auth/refreshtoken').send({ refreshToken: target.refreshToken }).expect(200);
    await app.http().get('/api/test/mod').set('x-access-token', refreshed.body.accessToken).expect(200);
  });

  it('DELETE /api/admin/users/:id/sessions ends them all', async () => {
    const target = await createUser(app);
    await as(admin.accessToken).delete(`/api/admin/users/${target.id}/sessions`).expect(200);
    expect(await refusedWithin5s(target.accessToken)).toBe(true);
    await app.http().post('/api/auth/refreshtoken').send({ refreshToken: target.refreshToken }).expect(403);
  });
});

describe('the last admin', () => {
  it('cannot remove their own admin role, disable or delete themselves: 409', async () => {
    const solo = await startApp();
    try {
      const only = await createUser(solo, ['admin']);
      const call = (method: 'patch' | 'delete', body?: object) =>
        solo.http()[method](`/api/admin/users/${only.id}`).set('x-access-token', only.accessToken).send(body);
      for (const res of [await call('patch', { roles: ['user'] }), await call('patch', { disabled: true }), await call('delete')]) {
        expect(res.status).toBe(409);
        expect(res.body).toEqual({
          message: 'Refused: this would leave no active admin. Make another user an admin first.',
          code: 'LAST_ADMIN',
        });
      }
      // Nothing changed, and the admin's session is intact.
      const me = await solo.http().get('/api/users/me').set('x-access-token', only.accessToken).expect(200);
      expect(me.body).toMatchObject({ roles: ['admin'], disabled: false });

      // With a second admin, the first may step down.
      const second = await createUser(solo, ['admin']);
      await call('patch', { roles: ['user'] }).expect(200);
      const last = await solo.http().delete(`/api/admin/users/${second.id}`).set('x-access-token', second.accessToken);
      expect(last.status).toBe(409);
    } finally {
      await solo.close();
    }
  });
});

describe('custom roles', () => {
  it('can be created, assigned, required by requireRole, and deleted; built-ins cannot', async () => {
    const created = await as(admin.accessToken).post('/api/admin/roles', { name: 'editor' }).expect(201);
    expect(created.body).toMatchObject({ name: 'editor', builtin: false, users: 0 });
    expect((await as(admin.accessToken).post('/api/admin/roles', { name: 'editor' })).status).toBe(409);
    expect((await as(admin.accessToken).post('/api/admin/roles', { name: 'Bad Name' })).status).toBe(400);

    const writer = await createUser(app);
    await as(admin.accessToken).patch(`/api/admin/users/${writer.id}`, { roles: ['user', 'editor'] }).expect(200);
    const token = (await app.http().post('/api/auth/signin').send({ username: writer.username, password: writer.password })).body
      .accessToken as string;

    // An application route guarded by the custom role.
    const guards = createGuards(app.services, app.config);
    const api = express();
    api.get('/reports', guards.authenticated, guards.requireRole('editor'), (_req, res) => {
      res.send('Editor Content.');
    });
    api.use(errorHandler(createLogger({ level: 'silent' })));
    expect((await request(api).get('/reports').set('x-access-token', token)).text).toBe('Editor Content.');
    expect((await request(api).get('/reports').set('x-access-token', admin.accessToken)).status).toBe(200);
    const denied = await request(api).get('/reports').set('x-access-token', user.accessToken);
    expect(denied.status).toBe(403);
    expect(denied.body.message).toBe('Require Editor Role!');

    const listed = await as(admin.accessToken).get('/api/admin/roles').expect(200);
    expect(listed.body.roles).toEqual(
      expect.arrayContaining([
        { id: 1, name: 'user', builtin: true, users: expect.any(Number) },
        expect.objectContaining({ name: 'editor', builtin: false, users: 1 }),
      ]),
    );

    for (const builtin of ['user', 'moderator', 'admin']) {
      const res = await as(admin.accessToken).delete(`/api/admin/roles/${builtin}`);
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('ROLE_BUILTIN');
    }
    await as(admin.accessToken).delete('/api/admin/roles/editor').expect(200);
    expect((await as(admin.accessToken).delete('/api/admin/roles/editor')).status).toBe(404);
    expect(await refusedWithin5s(token)).toBe(true);
    const after = await as(admin.accessToken).get(`/api/admin/users/${writer.id}`).expect(200);
    expect(after.body.roles).toEqual(['user']);
  });
});

describe('admin user management', () => {
  it('creates a user with roles, validates input, and answers 404 for an unknown id', async () => {
    const username = uniqueName('made');
    const created = await as(admin.accessToken)
      .post('/api/admin/users', { username, email: `${username}@example.test`, password: 'a-long-password', roles: ['moderator'] })
      .expect(201);
    expect(created.body).toMatchObject({ username, roles: ['moderator'], disabled: false });
    await app.http().post('/api/auth/signin').send({ username, password: 'a-long-password' }).expect(200);

    const bad = await as(admin.accessToken).post('/api/admin/users', { username: 'x', email: 'bad', password: 'short', id: 5 }).expect(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual(
      expect.arrayContaining(['id', 'username', 'email', 'password']),
    );
    expect((await as(admin.accessToken).post('/api/admin/users', { username, email: 'other@example.test', password: 'a-long-password' })).body.message).toBe(
      'Failed! Username is already in use!',
    );
    expect((await as(admin.accessToken).get('/api/admin/users/999999')).status).toBe(404);
    expect((await as(admin.accessToken).get('/api/admin/users/abc')).status).toBe(400);
    expect((await as(admin.accessToken).patch(`/api/admin/users/${user.id}`, {})).status).toBe(400);
    expect((await as(admin.accessToken).patch(`/api/admin/users/${user.id}`, { roles: ['nope'] })).status).toBe(400);
    expect((await as(admin.accessToken).patch(`/api/admin/users/${user.id}`, { password: 'x' })).status).toBe(400);
  });
});

describe('the audit trail', () => {
  it('records who changed what, for whom, when and from where; filters by user, type and time', async () => {
    const target = await createUser(app);
    const since = new Date(Date.now() - 1000).toISOString();
    await as(admin.accessToken).patch(`/api/admin/users/${target.id}`, { disabled: true }).set('User-Agent', 'AdminConsole/1.0').expect(200);
    await as(admin.accessToken).delete(`/api/admin/users/${target.id}/sessions`).expect(200);

    const res = await as(admin.accessToken).get(`/api/admin/audit?userId=${target.id}&type=admin.&from=${encodeURIComponent(since)}`).expect(200);
    expect(res.body).toMatchObject({ total: 2, page: 1, pages: 1 });
    const [revoked, updated] = res.body.items;
    expect(revoked).toMatchObject({ type: 'admin.sessions_revoked', actorId: admin.id, targetId: target.id });
    expect(updated).toMatchObject({
      type: 'admin.user_updated',
      actorId: admin.id,
      targetId: target.id,
      username: target.username,
      ip: expect.any(String),
      userAgent: 'AdminConsole/1.0',
      details: { changes: { disabled: true }, before: expect.objectContaining({ disabled: false }), via: 'api' },
      createdAt: expect.any(String),
    });

    const signins = await as(admin.accessToken).get(`/api/admin/audit?userId=${target.id}&type=signin.success`).expect(200);
    expect(signins.body.total).toBe(1);
    const paged = await as(admin.accessToken).get('/api/admin/audit?size=1&page=2').expect(200);
    expect(paged.body.items).toHaveLength(1);
    expect((await as(admin.accessToken).get('/api/admin/audit?from=yesterday')).status).toBe(400);
    expect((await as(admin.accessToken).get('/api/admin/audit?size=1000')).status).toBe(400);

    const rows = await app.db.sequelize.query<{ n: number }>(`SELECT COUNT(*) AS n FROM audit_events WHERE type = 'admin.role_created'`, {
      type: QueryTypes.SELECT,
    });
    expect(Number(rows[0]!.n)).toBeGreaterThan(0);
  });
});
