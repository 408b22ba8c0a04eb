import { QueryTypes } from 'sequelize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, startApp, type TestApp, type TestUser } from '../helpers/app.js';

/*
 * Cross-site request forgery in cookie transport: a page on another origin (another port of
 * the same host counts as same-site for SameSite=Strict) posts a form with the signed-in admin's
 * cookies. Such requests are refused; the allowed origins, the server's own, and clients that
 * send the token in a header are not affected.
 */

let app: TestApp;
let admin: TestUser;
let cookies: string;

beforeAll(async () => {
  app = await startApp({ env: { COOKIE_TRANSPORT: 'true', CORS_ORIGINS: 'http://localhost:8081' } });
  admin = await createUser(app, ['admin']);
  const signin = await app.http().post('/api/auth/signin').send({ username: admin.username, password: admin.password }).expect(200);
  cookies = ([] as string[]).concat(signin.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]!).join('; ');
});
afterAll(async () => {
  await app.close();
});

async function accountExists(username: string): Promise<boolean> {
  const rows = await app.db.sequelize.query('SELECT id FROM users WHERE username = :username', {
    replacements: { username },
    type: QueryTypes.SELECT,
  });
  return rows.length > 0;
}

const forgedAdmin = (username: string) =>
  `username=${username}&email=${username}%40example.test&password=a+long+enough+password&roles=admin`;

describe('cookie-authenticated requests that change state', () => {
  it.each([
    ['a foreign origin (another port of the same host)', { Origin: 'http://localhost:9999' }],
    ['an opaque origin (null)', { Origin: 'null' }],
    ['no Origin, but Sec-Fetch-Site: same-site', { 'Sec-Fetch-Site': 'same-site' }],
    ['no Origin, but Sec-Fetch-Site: cross-site', { 'Sec-Fetch-Site': 'cross-site' }],
  ])('a form post creating an admin from %s is refused with 403, and nothing is created', async (_name, headers) => {
    const username = `forged${Math.random().toString(36).slice(2, 8)}`;
    const res = await app
      .http()
      .post('/api/admin/users')
      .set('Cookie', cookies)
      .set(headers)
      .type('form')
      .send(forgedAdmin(username));
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('CSRF_REJECTED');
    expect(await accountExists(username)).toBe(false);
  });

  it.each([
    ['POST /api/admin/roles', (r: TestApp) => r.http().post('/api/admin/roles').type('form').send('name=forgedrole')],
    ['POST /api/users/me/password', (r: TestApp) => r.http().post('/api/users/me/password').type('form').send('currentPassword=x&newPassword=y')],
    ['POST /api/auth/signout', (r: TestApp) => r.http().post('/api/auth/signout').type('form').send('all=true')],
    ['POST /api/auth/refreshtoken', (r: TestApp) => r.http().post('/api/auth/refreshtoken').type('form').send('')],
  ])('%s from a foreign origin is refused', async (_name, call) => {
    const res = await call(app).set('Cookie', cookies).set('Origin', 'http://localhost:9999');
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('CSRF_REJECTED');
  });

  it('the session survived all of that', async () => {
    await app.http().get('/api/test/admin').set('Cookie', cookies).expect(200);
  });

  it('are accepted from an allowed origin, from the server’s own, and from non-browser clients', async () => {
    for (const origin of ['http://localhost:8081', app.url]) {
      const username = `allowed${Math.random().toString(36).slice(2, 8)}`;
      await app.http().post('/api/admin/users').set('Cookie', cookies).set('Origin', origin).type('form').send(forgedAdmin(username)).expect(201);
    }
    const plain = `plain${Math.random().toString(36).slice(2, 8)}`;
    await app.http().post('/api/admin/users').set('Cookie', cookies).type('form').send(forgedAdmin(plain)).expect(201);
    await app
      .http()
      .post('/api/admin/users')
      .set('Cookie', cookies)
      .set('Sec-Fetch-Site', 'same-origin')
      .type('form')
      .send(forgedAdmin(`${plain}x`))
      .expect(201);
  });

  it('clients that send the token in a header are not affected (their cross-origin calls need a CORS preflight)', async () => {
    const bearer = await createUser(app, ['admin']);
    const other = await app.http().post('/api/auth/signin').send({ username: bearer.username, password: bearer.password }).expect(200);
    // In cookie transport the body carries no token; take it from the cookie the answer set.
    const token = ([] as string[]).concat(other.headers['set-cookie'] ?? []).find((c) => c.startsWith('tg_access='))!.split(';')[0]!.slice(10);
    const username = `bearer${Math.random().toString(36).slice(2, 8)}`;
    await app
      .http()
      .post('/api/admin/users')
      .set('Authorization', `Bearer ${token}`)
      .set('Origin', 'http://localhost:9999')
      .send({ username, email: `${username}@example.test`, password: 'a long enough password' })
      .expect(201);
  });

  it('reads stay open (a GET changes nothing)', async () => {
    await app.http().get('/api/users/me').set('Cookie', cookies).set('Origin', 'http://localhost:9999').expect(200);
  });
});

describe('without cookie transport', () => {
  it('nothing is refused for its origin: there are no cookies to forge', async () => {
    const plainApp = await startApp({ database: app.database });
    try {
      const user = await createUser(plainApp);
      await plainApp
        .http()
        .post('/api/auth/signout')
        .set('Origin', 'http://localhost:9999')
        .send({ refreshToken: user.refreshToken })
        .expect(200);
    } finally {
      await plainApp.close();
    }
  });
});
