import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, startApp, type TestApp, type TestUser } from '../helpers/app.js';
import { amrOf, as, enrollTotp, mfaTokenFor, signin, stepClock, verify } from '../helpers/mfa.js';
import { strayKey, type SoftAuthenticator } from '../helpers/passkey-authenticator.js';
import { newAuthenticator, PUBLIC_URL, registerPasskey, signinOptions } from '../helpers/passkeys.js';

/* A passkey as the second step of a password signin, and the admin reset of second factors. */

const clock = stepClock();
let app: TestApp;

beforeAll(async () => {
  app = await startApp({ clock, env: { PUBLIC_URL, MFA_REQUIRED_ROLES: 'admin' } });
});
afterAll(async () => {
  await app.close();
});

async function withPasskey(roles: string[] = ['user']): Promise<TestUser & { authenticator: SoftAuthenticator; passkeyId: string }> {
  const user = await createUser(app, roles);
  const authenticator = newAuthenticator();
  const { id } = await registerPasskey(app, user, authenticator);
  return { ...user, authenticator, passkeyId: id };
}

/** Options for the second step of the signin of `mfaToken`, and the authenticator's answer. */
async function secondStep(mfaToken: string, authenticator: SoftAuthenticator, overrides = {}) {
  const { body } = await signinOptions(app, { mfaToken }).expect(200);
  return { mfaToken, challengeId: body.challengeId as string, response: authenticator.assert(body.options, overrides) };
}

const finish = (body: object) => app.http().post('/api/auth/mfa/verify').send(body);
const refused = { message: 'The passkey could not be verified. Try again, or sign in another way.', code: 'PASSKEY_INVALID' };

describe('a password signin of an account with a passkey', () => {
  it('asks for the passkey (methods include "passkey", even without TOTP) and finishes with amr pwd+hwk', async () => {
    const admin = await withPasskey(['admin']);
    const first = await signin(app, admin).expect(200);
    expect(first.body).toEqual({ mfaRequired: true, mfaToken: expect.any(String), methods: ['passkey'], message: 'Use a passkey to finish signing in.' });

    const { body: options } = await signinOptions(app, { mfaToken: first.body.mfaToken }).expect(200);
    expect(options.options.allowCredentials).toEqual([expect.objectContaining({ id: admin.authenticator.credentials[0]!.id.toString('base64url') })]);
    // Asking for options does not use the mfaToken up: asking again works.
    await signinOptions(app, { mfaToken: first.body.mfaToken }).expect(200);

    const res = await finish({ mfaToken: first.body.mfaToken, challengeId: options.challengeId, response: admin.authenticator.assert(options.options) }).expect(200);
    expect(res.body).toMatchObject({ id: admin.id, username: admin.username, accessToken: expect.any(String), refreshToken: expect.any(String) });
    expect(amrOf(res.body.accessToken)).toEqual(['pwd', 'hwk']);
    await app.http().get('/api/admin/users').set('Authorization', `Bearer ${res.body.accessToken}`).expect(200);
    // The mfaToken is used up: no more options, and no second signin with a fresh assertion.
    expect((await signinOptions(app, { mfaToken: first.body.mfaToken }).expect(401)).body.code).toBe('MFA_TOKEN_INVALID');
    const again = await finish({ mfaToken: first.body.mfaToken, challengeId: options.challengeId, response: admin.authenticator.assert(options.options) });
    expect(again.status).toBe(401);
  });

  it('lists every method when the account also has an authenticator app; a code still works', async () => {
    const user = await withPasskey();
    const { authenticator } = await enrollTotp(app, user, clock);
    const first = await signin(app, user).expect(200);
    expect(first.body.methods).toEqual(['totp', 'recovery_code', 'passkey']);
    expect(first.body.message).toMatch(/authenticator app.*recovery code.*passkey/);
    const res = await verify(app, first.body.mfaToken, authenticator.codeAt(clock.now())).expect(200);
    expect(amrOf(res.body.accessToken)).toEqual(['pwd', 'otp']);
  });

  it("refuses another user's passkey with 401, counted as an attempt: the 5th wrong attempt ends the mfaToken", async () => {
    const [user, other] = await Promise.all([withPasskey(), withPasskey()]);
    const mfaToken = await mfaTokenFor(app, user);
    // The other user's credential, answering a challenge of this signin.
    const { body } = await signinOptions(app, { mfaToken }).expect(200);
    const foreign = other.authenticator.assert({ ...body.options, allowCredentials: [] });
    expect((await finish({ mfaToken, challengeId: body.challengeId, response: foreign }).expect(401)).body).toEqual(refused);
    for (let i = 0; i < 4; i++) await finish(await secondStep(mfaToken, user.authenticator, { signWith: strayKey() })).expect(401);
    // The mfaToken is dead: no options, and a right answer to an earlier challenge is refused.
    expect((await signinOptions(app, { mfaToken }).expect(401)).body.code).toBe('MFA_TOKEN_INVALID');
    const late = await finish({ mfaToken, challengeId: body.challengeId, response: user.authenticator.assert(body.options) }).expect(401);
    expect(late.body.code).toBe('MFA_TOKEN_INVALID');
    const rows = await app.db.models.AuditEvent.findAll({ where: { targetId: user.id, type: 'mfa.failure' } });
    expect(rows.map((row) => JSON.parse(row.details ?? '{}').reason)).toEqual([
      'credential-of-another-user',
      ...Array(4).fill(expect.stringMatching(/^verification: /)),
    ]);
    expect(await app.db.models.AuditEvent.count({ where: { targetId: other.id, type: 'signin.success' } })).toBe(1);
  });

  it('refuses a challenge of another signin, a passwordless challenge, a replayed challenge', async () => {
    const user = await withPasskey();
    const [one, two] = [await mfaTokenFor(app, user), await mfaTokenFor(app, user)];
    const ofOne = await secondStep(one, user.authenticator);
    expect((await finish({ ...ofOne, mfaToken: two }).expect(401)).body).toEqual(refused);

    const { body: passwordless } = await signinOptions(app).expect(200);
    const other = await finish({ mfaToken: two, challengeId: passwordless.challengeId, response: user.authenticator.assert(passwordless.options) });
    expect({ status: other.status, body: other.body }).toEqual({ status: 401, body: refused });

    const three = await mfaTokenFor(app, user);
    const step = await secondStep(three, user.authenticator);
    await finish(step).expect(200);
    const four = await mfaTokenFor(app, user);
    expect((await finish({ ...step, mfaToken: four }).expect(401)).body).toEqual(refused);
    // Each refused for its own reason, in the audit trail.
    const rows = await app.db.models.AuditEvent.findAll({ where: { targetId: user.id, type: 'mfa.failure' }, order: [['id', 'ASC']] });
    expect(rows.map((row) => JSON.parse(row.details ?? '{}').reason)).toEqual([
      'challenge-of-another-signin',
      'challenge-unknown-expired-or-used',
      'challenge-unknown-expired-or-used',
    ]);
  });

  it('refuses options for a bad mfaToken (401 MFA_TOKEN_INVALID) and bodies mixing code and passkey (400)', async () => {
    const user = await withPasskey();
    for (const mfaToken of ['garbage', 'A'.repeat(22) + '.' + 'B'.repeat(43)]) {
      expect((await signinOptions(app, { mfaToken }).expect(401)).body.code).toBe('MFA_TOKEN_INVALID');
    }
    const mfaToken = await mfaTokenFor(app, user);
    const step = await secondStep(mfaToken, user.authenticator);
    for (const body of [
      { ...step, code: '123456' },
      { mfaToken, challengeId: step.challengeId },
      { mfaToken, response: step.response },
      { mfaToken },
      { mfaToken, challengeId: step.challengeId, response: { ...step.response, type: 1 } },
    ]) {
      const res = await finish(body);
      expect({ body, status: res.status, code: res.body.code }).toEqual({ body, status: 400, code: 'VALIDATION_FAILED' });
    }
    await finish(step).expect(200);
  });
});

describe('admin reset of second factors', () => {
  it('removes the passkeys too (audited); the admin views count them', async () => {
    const admin = await withPasskey(['admin']);
    const token = (await finish(await secondStep(await mfaTokenFor(app, admin), admin.authenticator)).expect(200)).body.accessToken as string;
    const user = await withPasskey();
    await registerPasskey(app, user, user.authenticator);
    const view = await as(app, token).get(`/api/admin/users/${user.id}`).expect(200);
    expect(view.body.mfa).toEqual({ totp: false, recoveryCodesLeft: 0, passkeys: 2 });
    const listed = await as(app, token).get(`/api/admin/users?search=${user.username}`).expect(200);
    expect(listed.body.items[0].mfa.passkeys).toBe(2);

    await as(app, token).delete(`/api/admin/users/${user.id}/mfa`).expect(200);
    expect((await as(app, token).get(`/api/admin/users/${user.id}`).expect(200)).body.mfa.passkeys).toBe(0);
    expect((await as(app, user.accessToken).get('/api/users/me/passkeys').expect(200)).body.passkeys).toEqual([]);
    const reset = await app.db.models.AuditEvent.findAll({ where: { targetId: user.id, type: 'admin.mfa_reset' } });
    expect(reset.map((row) => JSON.parse(row.details ?? '{}'))).toEqual([expect.objectContaining({ removed: true })]);
    // Signin is password-only again.
    expect((await signin(app, user).expect(200)).body.accessToken).toEqual(expect.any(String));
  });

  it('turning the authenticator app off keeps the passkeys', async () => {
    const user = await withPasskey();
    const { authenticator } = await enrollTotp(app, user, clock);
    await as(app, user.accessToken).delete('/api/users/me/mfa/totp', { password: user.password, code: authenticator.codeAt(clock.now()) }).expect(200);
    expect((await as(app, user.accessToken).get('/api/users/me').expect(200)).body.mfa).toEqual({ totp: false, recoveryCodesLeft: 0, passkeys: 1 });
  });
});
