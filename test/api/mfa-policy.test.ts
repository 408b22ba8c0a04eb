import express from 'express';
import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorHandler } from '../../src/http/error-handler.js';
import { createGuards } from '../../src/http/guards.js';
import { createLogger } from '../../src/lib/logger.js';
import { createUser, startApp, type TestApp, type TestUser } from '../helpers/app.js';
import { as, enrollTotp, mfaTokenFor, STEP_MS, stepClock, verify } from '../helpers/mfa.js';
import { signWithAppKey } from '../helpers/tokens.js';

/* MFA_REQUIRED_ROLES=admin: admin routes need a token whose signin had a second factor. */

const clock = stepClock();
let app: TestApp;
let admin: TestUser;
let moderator: TestUser;
let user: TestUser;

beforeAll(async () => {
  app = await startApp({ clock, env: { MFA_REQUIRED_ROLES: 'admin' } });
  [admin, moderator, user] = await Promise.all([createUser(app, ['admin']), createUser(app, ['moderator']), createUser(app)]);
});
afterAll(async () => {
  await app.close();
});

const get = (path: string, token: string) => app.http().get(path).set('Authorization', `Bearer ${token}`);

/** An admin with an authenticator app, signed in with it. */
async function adminWithSecondFactor(): Promise<{ accessToken: string; refreshToken: string }> {
  const someone = await createUser(app, ['admin']);
  const { authenticator } = await enrollTotp(app, someone, clock);
  const res = await verify(app, await mfaTokenFor(app, someone), authenticator.codeAt(clock.now())).expect(200);
  clock.advance(STEP_MS);
  return res.body;
}

describe('MFA_REQUIRED_ROLES=admin', () => {
  it('refuses admin routes to an admin token without a second factor (403 MFA_REQUIRED), and nothing else', async () => {
    for (const path of ['/api/test/admin', '/api/admin/users', '/api/admin/audit']) {
      const res = await get(path, admin.accessToken).expect(403);
      expect(res.body).toEqual({ message: expect.stringMatching(/second factor/), code: 'MFA_REQUIRED' });
    }
    for (const path of ['/api/test/user', '/api/test/mod', '/api/users/me', '/api/auth/sessions']) await get(path, admin.accessToken).expect(200);
    await get('/api/test/mod', moderator.accessToken).expect(200);
    // Without the role, the role answer comes first, as before.
    expect((await get('/api/test/admin', user.accessToken).expect(403)).body).toMatchObject({
      message: 'Require Admin Role!',
      code: 'ROLE_REQUIRED',
    });
  });

  it('lets such an admin set up an app; admin routes then open to a signin with it, and stay open after refresh', async () => {
    const someone = await createUser(app, ['admin']);
    const { authenticator } = await enrollTotp(app, someone, clock);
    // Setting the app up does not raise the session it was done from.
    await get('/api/test/admin', someone.accessToken).expect(403);

    const signedIn = await verify(app, await mfaTokenFor(app, someone), authenticator.codeAt(clock.now())).expect(200);
    clock.advance(STEP_MS);
    expect((await get('/api/test/admin', signedIn.body.accessToken).expect(200)).text).toBe('Admin Content.');
    await get('/api/admin/users', signedIn.body.accessToken).expect(200);
    const refreshed = await app.http().post('/api/auth/refreshtoken').send({ refreshToken: signedIn.body.refreshToken }).expect(200);
    await get('/api/admin/users', refreshed.body.accessToken).expect(200);
  });

  it('treats a token from before second factors (no amr) as a password signin', async () => {
    const iat = Math.floor(clock.now() / 1000);
    const legacy = signWithAppKey(app, admin, { claims: { iat, exp: iat + 600 } });
    expect(decodeJwt(legacy).amr).toBeUndefined();
    await get('/api/test/user', legacy).expect(200);
    expect((await get('/api/test/admin', legacy).expect(403)).body.code).toBe('MFA_REQUIRED');
    for (const amr of ['otp', [], [1]]) {
      await get('/api/test/user', signWithAppKey(app, admin, { claims: { iat, exp: iat + 600, amr } })).expect(401);
    }
  });

  it('gives the guards an embedding application uses the same rule, and requireSecondFactor for any route', async () => {
    const guards = createGuards(app.services, app.config);
    const api = express();
    api.get('/admin-report', guards.authenticated, guards.requireRole('admin'), (_req, res) => void res.send('ok'));
    api.get('/payouts', guards.authenticated, guards.requireSecondFactor, (_req, res) => void res.send('ok'));
    api.use(errorHandler(createLogger({ level: 'silent' })));
    const call = (path: string, token: string) => request(api).get(path).set('x-access-token', token);

    const strong = await adminWithSecondFactor();
    for (const path of ['/admin-report', '/payouts']) {
      expect((await call(path, admin.accessToken).expect(403)).body.code).toBe('MFA_REQUIRED');
      await call(path, strong.accessToken).expect(200);
    }
    expect((await call('/payouts', user.accessToken).expect(403)).body.code).toBe('MFA_REQUIRED');
  });
});

describe('which routes ask for the second factor', () => {
  it('a listed role, and every role that contains it: MFA_REQUIRED_ROLES=moderator covers admin routes too', async () => {
    const moderated = await startApp({ clock, database: app.database, env: { MFA_REQUIRED_ROLES: 'moderator' } });
    try {
      const call = (path: string, token: string) => moderated.http().get(path).set('x-access-token', token);
      for (const path of ['/api/test/mod', '/api/test/admin']) {
        expect((await call(path, admin.accessToken).expect(403)).body.code).toBe('MFA_REQUIRED');
      }
      expect((await call('/api/test/mod', moderator.accessToken).expect(403)).body.code).toBe('MFA_REQUIRED');
      await call('/api/test/user', moderator.accessToken).expect(200);
    } finally {
      await moderated.close();
    }
  });

  it('none by default: an admin token without a second factor opens admin routes', async () => {
    const open = await startApp({ clock, database: app.database });
    try {
      await open.http().get('/api/test/admin').set('x-access-token', admin.accessToken).expect(200);
    } finally {
      await open.close();
    }
  });
});

describe('amr in access tokens', () => {
  it('is pwd for a password signin and pwd+otp with a second factor, as another service verifying with the JWKS sees it', async () => {
    const jwks = createLocalJWKSet((await app.http().get('/.well-known/jwks.json').expect(200)).body);
    const check = async (token: string) =>
      (await jwtVerify(token, jwks, { issuer: 'tokengate', audience: 'tokengate', typ: 'at+jwt', currentDate: new Date(clock.now()) }))
        .payload.amr;
    expect(await check(user.accessToken)).toEqual(['pwd']);
    expect(await check((await adminWithSecondFactor()).accessToken)).toEqual(['pwd', 'otp']);
    const mine = await as(app, user.accessToken).get('/api/users/me').expect(200);
    expect(mine.body.mfa).toEqual({ totp: false, recoveryCodesLeft: 0, passkeys: 0 });
  });
});
