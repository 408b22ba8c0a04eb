import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, manualClock, startApp, type TestApp, type TestUser } from '../helpers/app.js';
import { signWithAppKey } from '../helpers/tokens.js';

let app: TestApp;
let user: TestUser;
let moderator: TestUser;
let admin: TestUser;

beforeAll(async () => {
  app = await startApp();
  [user, moderator, admin] = await Promise.all([
    createUser(app, ['user']),
    createUser(app, ['moderator']),
    createUser(app, ['admin']),
  ]);
});
afterAll(async () => {
  await app.close();
});

function get(path: string, token?: string) {
  const req = app.http().get(path);
  return token === undefined ? req : req.set('x-access-token', token);
}

describe('GET /api/test/*: allowed and denied for every board', () => {
  it('all: public', async () => {
    const res = await get('/api/test/all').expect(200);
    expect(res.text).toBe('Public Content.');
  });

  it.each([
    ['/api/test/user', 'User Content.', ['user', 'moderator', 'admin']],
    ['/api/test/mod', 'Moderator Content.', ['moderator', 'admin']],
    ['/api/test/admin', 'Admin Content.', ['admin']],
  ] as const)('%s answers %j to %j', async (path, text, allowed) => {
    for (const [name, account] of Object.entries({ user, moderator, admin })) {
      const res = await get(path, account.accessToken);
      if ((allowed as readonly string[]).includes(name)) {
        expect(res.status, `${name} on ${path}`).toBe(200);
        expect(res.text).toBe(text);
      } else {
        expect(res.status, `${name} on ${path}`).toBe(403);
        expect(res.body.message).toBe(path.endsWith('mod') ? 'Require Moderator Role!' : 'Require Admin Role!');
      }
    }
  });

  it.each(['/api/test/user', '/api/test/mod', '/api/test/admin'])('%s without a token: 403 "No token provided!"', async (path) => {
    const res = await get(path).expect(403);
    expect(res.body).toEqual({ message: 'No token provided!', code: 'TOKEN_MISSING' });
  });
});

describe('where the access token is read from', () => {
  it.each(['Bearer', 'bearer', 'BEARER'])('Authorization: %s <token>', async (scheme) => {
    await app.http().get('/api/test/admin').set('Authorization', `${scheme} ${admin.accessToken}`).expect(200);
  });

  it('not from another Authorization scheme', async () => {
    await app.http().get('/api/test/user').set('Authorization', `Basic ${admin.accessToken}`).expect(403);
  });

  it('never from the query string', async () => {
    const res = await app.http().get(`/api/test/user?token=${user.accessToken}&x-access-token=${user.accessToken}`);
    expect(res.status).toBe(403);
  });
});

describe('bad tokens get 401', () => {
  it('garbage: 401 "Unauthorized!"', async () => {
    const res = await get('/api/test/user', 'not-a-token').expect(401);
    expect(res.body).toEqual({ message: 'Unauthorized!', code: 'TOKEN_INVALID' });
  });

  it('a tampered payload (roles raised to admin) with the original signature', async () => {
    const [header, payload, signature] = user.accessToken.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    claims.roles = ['admin'];
    const forged = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
    await get('/api/test/admin', forged).expect(401);
  });

  it("a token signed with the tutorial's public secret", async () => {
    const forged = await new SignJWT({ id: admin.id, roles: ['admin'], sid: 'some-session' })
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
      .setIssuer('tokengate')
      .setAudience('tokengate')
      .setSubject(String(admin.id))
      .setIssuedAt()
      .setExpirationTime('10m')
      .setJti('x')
      .sign(new TextEncoder().encode('bezkoder-secret-key'));
    await get('/api/test/admin', forged).expect(401);
  });

  it('alg "none"', async () => {
    const encode = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const payload = { iss: 'tokengate', aud: 'tokengate', sub: String(admin.id), id: admin.id, roles: ['admin'], sid: 'some-session', iat: now, exp: now + 600, jti: 'x' };
    for (const alg of ['none', 'None', 'NONE']) {
      await get('/api/test/admin', `${encode({ alg, typ: 'at+jwt' })}.${encode(payload)}.`).expect(401);
    }
  });

  it('a token for another issuer or audience, signed with the right key', async () => {
    const sign = (iss: string, aud: string) => signWithAppKey(app, admin, { claims: { iss, aud, sid: 'some-session' } });
    await get('/api/test/admin', sign('tokengate', 'tokengate')).expect(200);
    await get('/api/test/admin', sign('someone-else', 'tokengate')).expect(401);
    await get('/api/test/admin', sign('tokengate', 'another-api')).expect(401);
  });

  it('an expired token: 401 "Unauthorized! Access Token was expired!"', async () => {
    const clock = manualClock();
    const timed = await startApp({ clock, database: app.database });
    try {
      const res = await timed.http().post('/api/auth/signin').send({ username: user.username, password: user.password });
      const token = res.body.accessToken as string;
      await timed.http().get('/api/test/user').set('x-access-token', token).expect(200);
      clock.advance(901_000);
      const expired = await timed.http().get('/api/test/user').set('x-access-token', token).expect(401);
      expect(expired.body).toEqual({ message: 'Unauthorized! Access Token was expired!', code: 'TOKEN_EXPIRED' });
    } finally {
      await timed.close();
    }
  });
});

describe('a protected request makes no database query', () => {
  it('counts zero SQL statements across the protected boards', async () => {
    // No background job may query meanwhile: no account check, the revocation poll once a minute,
    // the outbox once an hour.
    const quiet = await startApp({ database: app.database, env: { ACCOUNT_CHECK_INTERVAL: '0', REVOCATION_POLL_INTERVAL: '60s' }, mailTiming: { pollMs: 3_600_000 } });
    let queries = 0;
    quiet.db.sequelize.addHook('beforeQuery', () => {
      queries += 1;
    });
    try {
      // The counter works: a signin queries the database.
      await quiet.http().post('/api/auth/signin').send({ username: admin.username, password: admin.password }).expect(200);
      expect(queries).toBeGreaterThan(0);
      queries = 0;
      for (const path of ['/api/test/user', '/api/test/mod', '/api/test/admin']) {
        await quiet.http().get(path).set('x-access-token', admin.accessToken).expect(200);
        await quiet.http().get(path).set('x-access-token', user.accessToken);
      }
      expect(queries).toBe(0);
    } finally {
      await quiet.close();
    }
  });
});

describe('a valid token whose user was deleted', () => {
  it('gets 401 within 5 seconds, and the server keeps serving everyone else', async () => {
    const doomed = await createUser(app, ['admin']);
    await get('/api/test/admin', doomed.accessToken).expect(200);
    const qi = app.db.sequelize.getQueryInterface();
    await qi.bulkDelete('user_roles', { userId: doomed.id });
    await qi.bulkDelete('users', { id: doomed.id });

    const deadline = Date.now() + 5_000;
    let status = 200;
    while (Date.now() < deadline && status === 200) {
      status = (await get('/api/test/admin', doomed.accessToken)).status;
      if (status === 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(401);
    const res = await get('/api/test/mod', doomed.accessToken).expect(401);
    expect(res.body.message).toBe('Unauthorized!');
    await get('/api/test/admin', admin.accessToken).expect(200);
    await get('/api/test/all').expect(200);
    await app.http().post('/api/auth/signin').send({ username: doomed.username, password: doomed.password }).expect(401);
  });
});
