import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTotpVault } from '../../src/features/credentials/totp.js';
import { authenticatorFrom, readQrCode } from '../helpers/authenticator.js';
import { createUser, startApp, TEST_SECRET, type TestApp, type TestUser } from '../helpers/app.js';
import { as, enrollTotp, mfaTokenFor, signin, STEP_MS, stepClock, verify, wrongCode, type Enrolled } from '../helpers/mfa.js';

const clock = stepClock();
let app: TestApp;
let admin: TestUser;

beforeAll(async () => {
  app = await startApp({ clock });
  admin = await createUser(app, ['admin']);
});
afterAll(async () => {
  await app.close();
});

const OFF = { totp: false, recoveryCodesLeft: 0, passkeys: 0 };
const now = () => clock.now();

async function enrolledUser(roles?: string[]): Promise<TestUser & Enrolled> {
  const user = await createUser(app, roles);
  return { ...user, ...(await enrollTotp(app, user, clock)) };
}

async function auditTypes(userId: number): Promise<string[]> {
  const rows = await app.db.models.AuditEvent.findAll({ where: { targetId: userId }, order: [['id', 'ASC']] });
  return rows.map((row) => row.type);
}

describe('setting up an authenticator app', () => {
  it('the app shows APP_NAME as the issuer', async () => {
    const branded = await startApp({ clock, env: { APP_NAME: 'Acme Accounts' }, database: app.database });
    try {
      const user = await createUser(branded);
      const setup = await as(branded, user.accessToken).post('/api/users/me/mfa/totp').expect(200);
      expect(authenticatorFrom(readQrCode(setup.body.qrCode))).toMatchObject({ label: `Acme Accounts:${user.username}`, issuer: 'Acme Accounts' });
    } finally {
      await branded.close();
    }
  });

  it('a wrong code first, then the right one: the app is on, with 10 recovery codes', async () => {
    const user = await createUser(app);
    const me = as(app, user.accessToken);
    expect((await me.get('/api/users/me').expect(200)).body.mfa).toEqual(OFF);
    expect((await me.post('/api/users/me/mfa/totp/confirm', { code: '123456' }).expect(400)).body.code).toBe('MFA_SETUP_NOT_STARTED');

    const setup = await me.post('/api/users/me/mfa/totp').expect(200);
    expect(setup.headers['cache-control']).toBe('no-store');
    expect(setup.body).toEqual({ secret: expect.stringMatching(/^[A-Z2-7]{32}$/), otpauthUrl: expect.any(String), qrCode: expect.any(String) });
    expect(readQrCode(setup.body.qrCode)).toBe(setup.body.otpauthUrl);
    expect(new URL(setup.body.otpauthUrl).searchParams.get('secret')).toBe(setup.body.secret);
    const authenticator = authenticatorFrom(readQrCode(setup.body.qrCode));
    expect(authenticator).toMatchObject({ label: `Tokengate:${user.username}`, issuer: 'Tokengate' });

    // Pending: not on yet, and signin is unchanged.
    expect((await me.get('/api/users/me').expect(200)).body.mfa).toEqual(OFF);
    expect((await signin(app, user).expect(200)).body.accessToken).toEqual(expect.any(String));

    for (const code of [wrongCode(authenticator, now()), 'abcdef', authenticator.codeAt(now(), 2)]) {
      const wrong = await me.post('/api/users/me/mfa/totp/confirm', { code }).expect(400);
      expect(wrong.body).toEqual({ message: expect.any(String), code: 'MFA_CODE_INVALID' });
    }
    const confirmed = await me.post('/api/users/me/mfa/totp/confirm', { code: authenticator.codeAt(now()) }).expect(200);
    expect(confirmed.headers['cache-control']).toBe('no-store');
    expect(confirmed.body).toEqual({ recoveryCodes: expect.any(Array) });
    expect(confirmed.body.recoveryCodes).toHaveLength(10);
    expect((await me.get('/api/users/me').expect(200)).body.mfa).toEqual({ totp: true, recoveryCodesLeft: 10, passkeys: 0 });

    expect((await me.post('/api/users/me/mfa/totp').expect(409)).body.code).toBe('MFA_ALREADY_ENABLED');
    expect((await me.post('/api/users/me/mfa/totp/confirm', { code: authenticator.codeAt(now()) }).expect(409)).body.code).toBe(
      'MFA_ALREADY_ENABLED',
    );
    expect((await signin(app, user).expect(200)).body.mfaRequired).toBe(true);
    expect(await auditTypes(user.id)).toEqual(expect.arrayContaining(['mfa.totp_setup_started', 'mfa.totp_enabled']));
  });

  it('starting again replaces a pending setup: codes of the first secret no longer confirm', async () => {
    const user = await createUser(app);
    const me = as(app, user.accessToken);
    const first = authenticatorFrom((await me.post('/api/users/me/mfa/totp').expect(200)).body.otpauthUrl);
    const second = authenticatorFrom((await me.post('/api/users/me/mfa/totp').expect(200)).body.otpauthUrl);
    await me.post('/api/users/me/mfa/totp/confirm', { code: first.codeAt(now()) }).expect(400);
    await me.post('/api/users/me/mfa/totp/confirm', { code: second.codeAt(now()) }).expect(200);
  });

  it('the confirming code cannot sign in again', async () => {
    const user = await createUser(app);
    const me = as(app, user.accessToken);
    const authenticator = authenticatorFrom((await me.post('/api/users/me/mfa/totp').expect(200)).body.otpauthUrl);
    const code = authenticator.codeAt(now());
    await me.post('/api/users/me/mfa/totp/confirm', { code }).expect(200);
    expect((await verify(app, await mfaTokenFor(app, user), code).expect(401)).body.code).toBe('MFA_CODE_INVALID');
    clock.advance(STEP_MS);
  });
});

describe('recovery codes', () => {
  it('a new set for a code: the old set stops working, the new one works', async () => {
    const user = await enrolledUser();
    const me = as(app, user.accessToken);
    expect((await me.post('/api/users/me/mfa/recovery-codes', {}).expect(400)).body.code).toBe('VALIDATION_FAILED');
    const wrong = await me.post('/api/users/me/mfa/recovery-codes', { code: wrongCode(user.authenticator, now()) }).expect(400);
    expect(wrong.body.code).toBe('MFA_CODE_INVALID');

    const renewed = await me.post('/api/users/me/mfa/recovery-codes', { code: user.authenticator.codeAt(now()) }).expect(200);
    expect(renewed.headers['cache-control']).toBe('no-store');
    const fresh: string[] = renewed.body.recoveryCodes;
    expect(fresh).toHaveLength(10);
    expect(fresh.filter((code) => user.recoveryCodes.includes(code))).toEqual([]);
    expect((await verify(app, await mfaTokenFor(app, user), user.recoveryCodes[0]).expect(401)).body.code).toBe('MFA_CODE_INVALID');
    await verify(app, await mfaTokenFor(app, user), fresh[0]).expect(200);
    expect((await me.get('/api/users/me').expect(200)).body.mfa).toEqual({ totp: true, recoveryCodesLeft: 9, passkeys: 0 });
    expect(await auditTypes(user.id)).toContain('mfa.recovery_codes_replaced');
    clock.advance(STEP_MS);
  });

  it('cannot be had without an authenticator app', async () => {
    const user = await createUser(app);
    const res = await as(app, user.accessToken).post('/api/users/me/mfa/recovery-codes', { code: '123456' }).expect(400);
    expect(res.body.code).toBe('MFA_NOT_ENABLED');
  });
});

describe('turning the authenticator app off', () => {
  it('needs the password and a code; then signin is password-only again, with the usual answer', async () => {
    const user = await enrolledUser();
    const me = as(app, user.accessToken);
    const code = user.authenticator.codeAt(now());
    const missing = await me.delete('/api/users/me/mfa/totp', { code }).expect(400);
    expect(missing.body.errors).toEqual([{ field: 'password', message: 'password is required' }]);
    const badPassword = await me.delete('/api/users/me/mfa/totp', { password: 'not-the-password', code }).expect(400);
    expect(badPassword.body).toMatchObject({ code: 'WRONG_CURRENT_PASSWORD', errors: [{ field: 'password' }] });
    const badCode = await me.delete('/api/users/me/mfa/totp', { password: user.password, code: wrongCode(user.authenticator, now()) });
    expect(badCode.status).toBe(400);
    expect(badCode.body.code).toBe('MFA_CODE_INVALID');
    expect((await me.get('/api/users/me').expect(200)).body.mfa.totp).toBe(true);

    await me.delete('/api/users/me/mfa/totp', { password: user.password, code }).expect(200);
    expect((await me.get('/api/users/me').expect(200)).body.mfa).toEqual(OFF);
    const res = await signin(app, user).expect(200);
    expect(Object.keys(res.body).sort()).toEqual(['accessToken', 'email', 'emailVerified', 'expiresIn', 'id', 'refreshToken', 'roles', 'tokenType', 'username']);
    expect(await auditTypes(user.id)).toContain('mfa.totp_disabled');
    expect((await me.delete('/api/users/me/mfa/totp', { password: user.password, code }).expect(400)).body.code).toBe('MFA_NOT_ENABLED');
  });

  it('takes a recovery code instead of an app code (a lost phone)', async () => {
    const user = await enrolledUser();
    await as(app, user.accessToken).delete('/api/users/me/mfa/totp', { password: user.password, code: user.recoveryCodes[3] }).expect(200);
    expect((await signin(app, user).expect(200)).body.mfaRequired).toBeUndefined();
  });
});

describe('DELETE /api/admin/users/:id/mfa', () => {
  it('is for admins only', async () => {
    const target = await enrolledUser();
    for (const roles of [['user'], ['moderator']]) {
      const other = await createUser(app, roles);
      expect((await as(app, other.accessToken).delete(`/api/admin/users/${target.id}/mfa`).expect(403)).body.message).toBe(
        'Require Admin Role!',
      );
    }
    await app.http().delete(`/api/admin/users/${target.id}/mfa`).expect(403);
    expect((await signin(app, target).expect(200)).body.mfaRequired).toBe(true);
  });

  it('removes every second factor of the user, audited; the admin view shows it', async () => {
    const target = await enrolledUser();
    const byAdmin = as(app, admin.accessToken);
    expect((await byAdmin.get(`/api/admin/users/${target.id}`).expect(200)).body.mfa).toEqual({
      totp: true,
      recoveryCodesLeft: 10,
      passkeys: 0,
    });
    const listed = await byAdmin.get(`/api/admin/users?search=${target.username}`).expect(200);
    expect(listed.body.items).toEqual([expect.objectContaining({ id: target.id, mfa: expect.objectContaining({ totp: true }) })]);

    const res = await byAdmin.delete(`/api/admin/users/${target.id}/mfa`).expect(200);
    expect(res.body).toEqual({ message: expect.any(String) });
    expect((await byAdmin.get(`/api/admin/users/${target.id}`).expect(200)).body.mfa).toEqual(OFF);
    expect((await signin(app, target).expect(200)).body.accessToken).toEqual(expect.any(String));
    const audit = await byAdmin.get(`/api/admin/audit?userId=${target.id}&type=admin.mfa_reset`).expect(200);
    expect(audit.body.items).toEqual([expect.objectContaining({ actorId: admin.id, targetId: target.id })]);
    // The user can set up a new app afterwards.
    await enrollTotp(app, target, clock);
  });

  it('deleting a user deletes their second factors', async () => {
    const target = await enrolledUser();
    await mfaTokenFor(app, target);
    await as(app, admin.accessToken).delete(`/api/admin/users/${target.id}`).expect(200);
    const { TotpFactor, RecoveryCode, MfaChallenge } = app.db.models;
    const where = { where: { userId: target.id } };
    expect([await TotpFactor.count(where), await RecoveryCode.count(where), await MfaChallenge.count(where)]).toEqual([0, 0, 0]);
  });

  it('answers 404 for an unknown user and 400 for a malformed id', async () => {
    const byAdmin = as(app, admin.accessToken);
    expect((await byAdmin.delete('/api/admin/users/99999999/mfa').expect(404)).body.code).toBe('USER_NOT_FOUND');
    expect((await byAdmin.delete('/api/admin/users/abc/mfa').expect(400)).body.code).toBe('VALIDATION_FAILED');
  });
});

describe('what the factor survives, and what no one else is told', () => {
  it('changing the password keeps the factor', async () => {
    const user = await enrolledUser();
    const newPassword = `${user.password}-changed`;
    await as(app, user.accessToken).post('/api/users/me/password', { currentPassword: user.password, newPassword }).expect(200);
    const token = await mfaTokenFor(app, { username: user.username, password: newPassword });
    await verify(app, token, user.authenticator.codeAt(now())).expect(200);
    clock.advance(STEP_MS);
  });

  it('the secret and the recovery codes appear only in the answers that made them: not in views, the audit or the database', async () => {
    const user = await createUser(app);
    const me = as(app, user.accessToken);
    const setup = await me.post('/api/users/me/mfa/totp').expect(200);
    const secret: string = setup.body.secret;
    const authenticator = authenticatorFrom(setup.body.otpauthUrl);
    const { recoveryCodes } = (await me.post('/api/users/me/mfa/totp/confirm', { code: authenticator.codeAt(now()) }).expect(200)).body;
    clock.advance(STEP_MS);

    const secrets = [secret, ...(recoveryCodes as string[]), ...(recoveryCodes as string[]).map((c) => c.replaceAll('-', ''))];
    const other = await verify(app, await mfaTokenFor(app, user), authenticator.codeAt(now())).expect(200);
    const seen = [
      (await as(app, other.body.accessToken).get('/api/users/me').expect(200)).text,
      (await as(app, admin.accessToken).get(`/api/admin/users/${user.id}`).expect(200)).text,
      (await as(app, admin.accessToken).get(`/api/admin/audit?userId=${user.id}&size=100`).expect(200)).text,
      JSON.stringify(await app.db.models.TotpFactor.findAll({ where: { userId: user.id }, raw: true })),
      JSON.stringify(await app.db.models.RecoveryCode.findAll({ where: { userId: user.id }, raw: true })),
    ].join('\n');
    for (const value of secrets) expect(seen.toLowerCase()).not.toContain(value.toLowerCase());
  });
});

describe('sealing the authenticator secrets', () => {
  const STRONG = 'another-strong-secret-9876543210-ZYXWVUTSRQ';

  async function sealedWith(env: Record<string, string>): Promise<{ userId: number; secret: string; sealed: string }> {
    const own = await startApp({ clock, env });
    try {
      const user = await createUser(own);
      const setup = await as(own, user.accessToken).post('/api/users/me/mfa/totp').expect(200);
      const authenticator = authenticatorFrom(setup.body.otpauthUrl);
      await as(own, user.accessToken).post('/api/users/me/mfa/totp/confirm', { code: authenticator.codeAt(now()) }).expect(200);
      clock.advance(STEP_MS);
      await verify(own, await mfaTokenFor(own, user), authenticator.codeAt(now())).expect(200);
      const row = await own.db.models.TotpFactor.findByPk(user.id);
      return { userId: user.id, secret: setup.body.secret, sealed: row!.secret };
    } finally {
      await own.close();
    }
  }

  it.each([
    ['ES256: with AUTH_SECRET', {}, TEST_SECRET],
    ['HS256 without AUTH_SECRET: with JWT_SECRET', { JWT_ALG: 'HS256', JWT_SECRET: STRONG, AUTH_SECRET: '' }, STRONG],
    ['HS256 with AUTH_SECRET: with AUTH_SECRET', { JWT_ALG: 'HS256', JWT_SECRET: STRONG, AUTH_SECRET: TEST_SECRET }, TEST_SECRET],
  ])('%s', async (_name, env, expected) => {
    const { userId, secret, sealed } = await sealedWith(env);
    expect(sealed).not.toContain(secret);
    expect(createTotpVault(expected).open(userId, sealed)).toBe(secret);
    const other = expected === STRONG ? TEST_SECRET : STRONG;
    expect(() => createTotpVault(other).open(userId, sealed)).toThrow();
    // Bound to the user: another user's row cannot be swapped in.
    expect(() => createTotpVault(expected).open(userId + 1, sealed)).toThrow();
  });
});
