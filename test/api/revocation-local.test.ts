import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, startApp, type TestApp, type TestUser } from '../helpers/app.js';

/*
 * On the instance that ends a session, its access tokens are refused at once, not at the next
 * revocation poll: the change applies the revocation when its transaction commits. The poll and
 * the account check are turned off here (60 s and 0), so only that can refuse the tokens.
 */

let app: TestApp;
let admin: TestUser;

beforeAll(async () => {
  app = await startApp({ env: { REVOCATION_POLL_INTERVAL: '60s', ACCOUNT_CHECK_INTERVAL: '0', REFRESH_TOKEN_REUSE_INTERVAL: '0' } });
  admin = await createUser(app, ['admin']);
});
afterAll(async () => {
  await app.close();
});

const board = (user: Pick<TestUser, 'accessToken'>) => app.http().get('/api/test/user').set('x-access-token', user.accessToken);
const asAdmin = () => ({ 'x-access-token': admin.accessToken });

describe('ending sessions on this instance refuses their access tokens at once', () => {
  it.each<[string, (user: TestUser) => Promise<unknown>]>([
    ['signout', (u) => app.http().post('/api/auth/signout').send({ refreshToken: u.refreshToken }).expect(200)],
    ['signout of all sessions', (u) => app.http().post('/api/auth/signout').send({ refreshToken: u.refreshToken, all: true }).expect(200)],
    ['ending the session by id', async (u) => {
      const { body } = await app.http().get('/api/auth/sessions').set('x-access-token', u.accessToken).expect(200);
      const other = await app.http().post('/api/auth/signin').send({ username: u.username, password: u.password }).expect(200);
      await app.http().delete(`/api/auth/sessions/${body.sessions[0].id}`).set('x-access-token', other.body.accessToken).expect(200);
    }],
    ['a password change (from another session)', async (u) => {
      const other = await app.http().post('/api/auth/signin').send({ username: u.username, password: u.password }).expect(200);
      await app
        .http()
        .post('/api/users/me/password')
        .set('x-access-token', other.body.accessToken)
        .send({ currentPassword: u.password, newPassword: `${u.password}-and-more` })
        .expect(200);
    }],
    ['disabling by an admin', (u) => app.http().patch(`/api/admin/users/${u.id}`).set(asAdmin()).send({ disabled: true }).expect(200)],
    ['a demotion by an admin', (u) => app.http().patch(`/api/admin/users/${u.id}`).set(asAdmin()).send({ roles: [] }).expect(200)],
    ['deletion by an admin', (u) => app.http().delete(`/api/admin/users/${u.id}`).set(asAdmin()).expect(200)],
    ['ending all sessions by an admin', (u) => app.http().delete(`/api/admin/users/${u.id}/sessions`).set(asAdmin()).expect(200)],
    ['deleting a role the user holds', async (u) => {
      const name = `role${u.id}`;
      await app.http().post('/api/admin/roles').set(asAdmin()).send({ name }).expect(201);
      await app.http().patch(`/api/admin/users/${u.id}`).set(asAdmin()).send({ roles: ['user', name] }).expect(200);
      await app.http().delete(`/api/admin/roles/${name}`).set(asAdmin()).expect(200);
    }],
    ['reuse of a rotated refresh token', async (u) => {
      await app.http().post('/api/auth/refreshtoken').send({ refreshToken: u.refreshToken }).expect(200);
      await app.http().post('/api/auth/refreshtoken').send({ refreshToken: u.refreshToken }).expect(403);
    }],
  ])('%s', async (_name, endIt) => {
    const user = await createUser(app, ['user', 'moderator']);
    await board(user).expect(200);
    await endIt(user);
    const refused = await board(user).expect(401);
    expect(refused.body.code).toBe('TOKEN_INVALID');
  });
});
