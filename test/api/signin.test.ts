import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, startApp, type TestApp, type TestUser } from '../helpers/app.js';

let app: TestApp;
let alice: TestUser;

beforeAll(async () => {
  app = await startApp();
  alice = await createUser(app, ['user', 'moderator']);
});
afterAll(async () => {
  await app.close();
});

describe('POST /api/auth/signin', () => {
  it("answers the tutorial's fields plus tokenType and expiresIn, and is not cacheable", async () => {
    const res = await app.http().post('/api/auth/signin').send({ username: alice.username, password: alice.password });
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toEqual({
      id: alice.id,
      username: alice.username,
      email: alice.email,
      emailVerified: false,
      roles: ['ROLE_USER', 'ROLE_MODERATOR'],
      accessToken: expect.any(String),
      refreshToken: expect.stringMatching(/^[\w-]{22}\.[\w-]{43}$/),
      tokenType: 'Bearer',
      expiresIn: 900,
    });
  });

  it('issues an at+jwt access token with the documented claims and a 15-minute lifetime', async () => {
    const res = await app.http().post('/api/auth/signin').send({ username: alice.username, password: alice.password });
    const header = decodeProtectedHeader(res.body.accessToken);
    expect(header).toMatchObject({ alg: 'ES256', typ: 'at+jwt', kid: expect.any(String) });
    const claims = decodeJwt(res.body.accessToken);
    expect(claims).toMatchObject({
      iss: 'tokengate',
      aud: 'tokengate',
      sub: String(alice.id),
      id: alice.id,
      roles: ['user', 'moderator'],
      sid: expect.any(String),
      jti: expect.any(String),
    });
    expect(claims.exp! - claims.iat!).toBe(900);
  });

  it('finds the account whatever the case of the username', async () => {
    await app
      .http()
      .post('/api/auth/signin')
      .send({ username: alice.username.toUpperCase(), password: alice.password })
      .expect(200);
  });

  it('gives one identical 401 for an unknown user and for a wrong password', async () => {
    const unknown = await app.http().post('/api/auth/signin').send({ username: 'nobody-here', password: alice.password });
    const wrong = await app.http().post('/api/auth/signin').send({ username: alice.username, password: 'wrong-password' });
    for (const res of [unknown, wrong]) {
      expect(res.status).toBe(401);
      expect(res.body).toEqual({
        accessToken: null,
        message: 'Invalid username or password.',
        code: 'INVALID_CREDENTIALS',
      });
    }
    const headerNames = (res: typeof unknown) =>
      Object.keys(res.headers)
        .filter((h) => !['date', 'x-request-id'].includes(h))
        .sort();
    expect(headerNames(unknown)).toEqual(headerNames(wrong));
    expect(unknown.text).toBe(wrong.text);
  });

  it('answers 400 naming the field when the password is missing', async () => {
    const res = await app.http().post('/api/auth/signin').send({ username: alice.username }).expect(400);
    expect(res.body.errors).toEqual([{ field: 'password', message: 'password is required' }]);
  });
});
