import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPasskeyCredential } from '../../src/features/credentials/passkey.credential.js';
import { createPasskeyRepository, type PasskeyRepository } from '../../src/features/credentials/passkey.repository.js';
import { createWebauthnChallengeRepository } from '../../src/features/credentials/webauthn-challenge.repository.js';
import { createWebauthnChallenges } from '../../src/features/credentials/webauthn-challenges.js';
import { deriveKey } from '../../src/lib/crypto.js';
import { createUser, startApp, type TestApp, type TestUser } from '../helpers/app.js';
import { amrOf, as, enrollTotp, stepClock } from '../helpers/mfa.js';
import { FLAGS, strayKey, type SoftAuthenticator } from '../helpers/passkey-authenticator.js';
import { assertion, newAuthenticator, passkeySignin, PUBLIC_URL, registerPasskey, signinOptions } from '../helpers/passkeys.js';

const clock = stepClock();
let app: TestApp;

beforeAll(async () => {
  app = await startApp({ clock, env: { PUBLIC_URL, MFA_REQUIRED_ROLES: 'admin' } });
});
afterAll(async () => {
  await app.close();
});

async function auditOf(userId: number, type: string): Promise<Array<Record<string, unknown>>> {
  const rows = await app.db.models.AuditEvent.findAll({ where: { targetId: userId, type }, order: [['id', 'ASC']] });
  return rows.map((row) => JSON.parse(row.details ?? '{}') as Record<string, unknown>);
}

async function withPasskey(roles: string[] = ['user']): Promise<TestUser & { authenticator: SoftAuthenticator; passkeyId: string }> {
  const user = await createUser(app, roles);
  const authenticator = newAuthenticator();
  const { id } = await registerPasskey(app, user, authenticator);
  return { ...user, authenticator, passkeyId: id };
}

/** The reason of the latest passkey signin failure (those before the credential is known have no target). */
async function lastFailureReason(): Promise<unknown> {
  const row = await app.db.models.AuditEvent.findOne({ where: { type: 'signin.failure' }, order: [['id', 'DESC']] });
  return row ? (JSON.parse(row.details ?? '{}') as Record<string, unknown>).reason : undefined;
}

const refused = { message: 'The passkey could not be verified. Try again, or sign in another way.', code: 'PASSKEY_INVALID' };

describe('signin options', () => {
  it('without a username: discoverable, allowCredentials empty, user verification required', async () => {
    for (const body of [undefined, {}]) {
      const res = await signinOptions(app, body).expect(200);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body).toEqual({
        options: expect.objectContaining({ rpId: 'auth.example.test', allowCredentials: [], userVerification: 'required', challenge: expect.stringMatching(/^[\w-]{43}$/) }),
        challengeId: expect.stringMatching(/^[\w-]{22}$/),
      });
    }
  });

  it("with a username: exactly that user's passkeys; unknown, disabled and passkey-less names get made-up ones, stable and alike", async () => {
    const user = await withPasskey();
    const authenticator = user.authenticator;
    await registerPasskey(app, user, authenticator);
    const listed = await signinOptions(app, { username: user.username }).expect(200);
    const realIds = new Set(authenticator.credentials.map((c) => c.id.toString('base64url')));
    // Both passkeys, and only they (registered in the same instant: in either order).
    const byId = (a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id);
    expect([...listed.body.options.allowCredentials].sort(byId)).toEqual(
      authenticator.credentials.map((c) => ({ id: c.id.toString('base64url'), type: 'public-key', transports: ['internal', 'hybrid'] })).sort(byId),
    );

    // A disabled account, with a passkey of its own.
    const disabled = await withPasskey();
    await app.db.models.User.update({ disabled: true }, { where: { id: disabled.id } });
    realIds.add(disabled.authenticator.credentials[0]!.id.toString('base64url'));
    const names = { unknown: 'nobody_at_all_here', disabled: disabled.username, without: (await createUser(app)).username };
    type Descriptor = { id: string; type: string; transports: string[] };
    const listOf = async (username: string) => (await signinOptions(app, { username }).expect(200)).body.options.allowCredentials as Descriptor[];
    const shape = (body: { options: Record<string, unknown>; challengeId: string }) =>
      ({ ...body, options: { ...body.options, challenge: '', allowCredentials: [] }, challengeId: '' });
    const real = shape(listed.body);
    const seen = new Set<string>();
    for (const [kind, username] of Object.entries(names)) {
      const res = await signinOptions(app, { username }).expect(200);
      expect({ kind, shape: shape(res.body) }).toEqual({ kind, shape: real });
      const allowed = res.body.options.allowCredentials as Descriptor[];
      expect({ kind, oneOrTwo: [1, 2].includes(allowed.length) }).toEqual({ kind, oneOrTwo: true });
      for (const d of allowed) {
        expect({ kind, d }).toEqual({ kind, d: { id: expect.stringMatching(/^[\w-]{43}$/), type: 'public-key', transports: ['internal', 'hybrid'] } });
        expect(realIds.has(d.id) || seen.has(d.id)).toBe(false);
        seen.add(d.id);
      }
      // The same on every call, and for every spelling of the name.
      expect(await listOf(username)).toEqual(allowed);
      expect(await listOf(username.toUpperCase())).toEqual(allowed);
    }
  });

  it('a made-up credential presented at POST /api/auth/passkey is refused with the 401', async () => {
    const user = await withPasskey();
    const { body: start } = await signinOptions(app, { username: 'nobody_at_all_here' }).expect(200);
    const fake = start.options.allowCredentials[0].id as string;
    const response = { ...user.authenticator.assert({ ...start.options, allowCredentials: [] }), id: fake, rawId: fake };
    expect((await passkeySignin(app, { challengeId: start.challengeId, response }).expect(401)).body).toEqual(refused);
    expect(await lastFailureReason()).toBe('unknown-credential');
  });

  it('refuses malformed bodies with 400', async () => {
    for (const body of [{ username: 5 }, { username: '' }, { username: 'a', mfaToken: 'b' }, ['x']]) {
      const res = await signinOptions(app, body);
      expect({ body, status: res.status, code: res.body.code }).toEqual({ body, status: 400, code: 'VALIDATION_FAILED' });
    }
  });
});

describe('passwordless signin', () => {
  it('answers the full signin response with amr hwk+user, records the use, and satisfies MFA_REQUIRED_ROLES', async () => {
    const admin = await withPasskey(['admin']);
    // A password signin of an admin without a second factor does not open admin routes.
    await app.http().get('/api/admin/users').set('Authorization', `Bearer ${admin.accessToken}`).expect(403);
    const res = await passkeySignin(app, await assertion(app, admin.authenticator)).expect(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toEqual({
      id: admin.id,
      username: admin.username,
      email: admin.email,
      emailVerified: false,
      roles: ['ROLE_ADMIN'],
      accessToken: expect.any(String),
      refreshToken: expect.stringMatching(/^[\w-]{22}\.[\w-]{43}$/),
      tokenType: 'Bearer',
      expiresIn: 900,
    });
    expect(amrOf(res.body.accessToken)).toEqual(['hwk', 'user']);
    await app.http().get('/api/admin/users').set('Authorization', `Bearer ${res.body.accessToken}`).expect(200);
    const refreshed = await app.http().post('/api/auth/refreshtoken').send({ refreshToken: res.body.refreshToken }).expect(200);
    expect(amrOf(refreshed.body.accessToken)).toEqual(['hwk', 'user']);
    expect(await auditOf(admin.id, 'signin.success')).toContainEqual({ amr: ['hwk', 'user'] });
    const list = await as(app, res.body.accessToken).get('/api/users/me/passkeys').expect(200);
    expect(list.body.passkeys[0].lastUsedAt).toEqual(expect.any(String));
  });

  it('needs no TOTP even when the account has one, and works with a username given', async () => {
    const user = await withPasskey();
    await enrollTotp(app, user, clock);
    const res = await passkeySignin(app, await assertion(app, user.authenticator, {}, { username: user.username })).expect(200);
    expect(amrOf(res.body.accessToken)).toEqual(['hwk', 'user']);
  });

  it("delivers the console's cookies with Token-Delivery: cookie", async () => {
    const user = await withPasskey();
    const body = await assertion(app, user.authenticator);
    const res = await app.http().post('/api/auth/passkey').set('Token-Delivery', 'cookie').set('Origin', PUBLIC_URL).send(body).expect(200);
    expect(res.body.accessToken).toBeUndefined();
    expect(res.body).toMatchObject({ id: user.id, username: user.username });
    const cookies = ([] as string[]).concat((res.headers['set-cookie'] as unknown as string[] | undefined) ?? []);
    expect(cookies.some((c) => c.startsWith('tg_console_access=eyJ'))).toBe(true);
  });

  it('refuses a disabled account with the same 401', async () => {
    const [admin, user] = await Promise.all([withPasskey(['admin']), withPasskey()]);
    // MFA_REQUIRED_ROLES=admin: the admin signs in with the passkey to use the admin API.
    const adminToken = (await passkeySignin(app, await assertion(app, admin.authenticator)).expect(200)).body.accessToken as string;
    await app.http().patch(`/api/admin/users/${user.id}`).set('Authorization', `Bearer ${adminToken}`).send({ disabled: true }).expect(200);
    expect((await passkeySignin(app, await assertion(app, user.authenticator)).expect(401)).body).toEqual(refused);
  });
});

describe('refused passwordless signins: one 401 PASSKEY_INVALID', () => {
  it('a replayed challenge, and a replayed assertion', async () => {
    const user = await withPasskey();
    const body = await assertion(app, user.authenticator);
    await passkeySignin(app, body).expect(200);
    expect((await passkeySignin(app, body).expect(401)).body).toEqual(refused);
    // A fresh assertion for the used challenge is refused too.
    const { body: start } = await signinOptions(app).expect(200);
    await passkeySignin(app, { challengeId: start.challengeId, response: user.authenticator.assert(start.options) }).expect(200);
    await passkeySignin(app, { challengeId: start.challengeId, response: user.authenticator.assert(start.options) }).expect(401);
  });

  it('an expired challenge (5 minutes)', async () => {
    const user = await withPasskey();
    const body = await assertion(app, user.authenticator);
    clock.advance(300_001);
    expect((await passkeySignin(app, body).expect(401)).body).toEqual(refused);
  });

  it('a wrong origin, a wrong RP ID hash, no user verification, no user presence, a wrong type or challenge', async () => {
    const user = await withPasskey();
    const cases = [
      { origin: 'https://evil.example.test' },
      { origin: 'https://auth.example.test:8443' },
      { rpId: 'evil.example.test' },
      { rpId: 'example.test' },
      { flags: FLAGS.UP },
      { flags: FLAGS.UV },
      { type: 'webauthn.create' },
      { challenge: 'A'.repeat(43) },
    ];
    for (const overrides of cases) {
      const res = await passkeySignin(app, await assertion(app, user.authenticator, overrides));
      expect({ overrides, status: res.status, body: res.body }).toEqual({ overrides, status: 401, body: refused });
    }
    await passkeySignin(app, await assertion(app, user.authenticator)).expect(200);
  });

  it('a forged assertion (signed by another key) and an unknown credential', async () => {
    const user = await withPasskey();
    expect((await passkeySignin(app, await assertion(app, user.authenticator, { signWith: strayKey() })).expect(401)).body).toEqual(refused);
    const stranger = newAuthenticator();
    stranger.register({ challenge: 'AAAA', rp: { id: 'auth.example.test' }, user: { id: 'AAAA' } });
    expect((await passkeySignin(app, await assertion(app, stranger)).expect(401)).body).toEqual(refused);
    expect((await auditOf(user.id, 'signin.failure')).map((d) => d.reason)).toEqual([expect.stringMatching(/^verification: /)]);
  });

  it('a counter that does not increase: refused and audited, and the stored counter stays', async () => {
    const user = await withPasskey();
    await passkeySignin(app, await assertion(app, user.authenticator, { counter: 10 })).expect(200);
    for (const counter of [10, 9, 0]) {
      expect((await passkeySignin(app, await assertion(app, user.authenticator, { counter })).expect(401)).body).toEqual(refused);
    }
    expect(await auditOf(user.id, 'passkey.counter_rejected')).toEqual([
      { passkeyId: user.passkeyId, stored: 10, received: 10 },
      { passkeyId: user.passkeyId, stored: 10, received: 9 },
      { passkeyId: user.passkeyId, stored: 10, received: 0 },
    ]);
    await passkeySignin(app, await assertion(app, user.authenticator, { counter: 11 })).expect(200);
  });

  it('a passkey removed after the options (via the API) is refused', async () => {
    const user = await withPasskey();
    const body = await assertion(app, user.authenticator);
    await as(app, user.accessToken).delete(`/api/users/me/passkeys/${user.passkeyId}`).expect(200);
    expect((await passkeySignin(app, body).expect(401)).body).toEqual(refused);
    expect(await lastFailureReason()).toBe('unknown-credential');
  });

  it('a passkey removed between its lookup and the recorded use (no counter: no row moves) does not sign in', async () => {
    const user = await withPasskey();
    const repository = createPasskeyRepository(app.db);
    // The row goes (the account deleted, an admin reset, a removal) just after the lookup found it.
    const racing: PasskeyRepository = {
      ...repository,
      async findByCredentialHash(hash) {
        const found = await repository.findByCredentialHash(hash);
        if (found) await app.db.models.Passkey.destroy({ where: { id: found.id } });
        return found;
      },
    };
    const credential = createPasskeyCredential({
      passkeys: racing,
      challenges: createWebauthnChallenges({ challenges: createWebauthnChallengeRepository(app.db), clock }),
      rp: app.config.webauthn,
      handleKey: deriveKey(app.config.serverSecret, 'webauthn-user-handle'),
      decoyKey: deriveKey(app.config.serverSecret, 'webauthn-decoy-credentials'),
      audit: app.services.audit,
      clock,
    });
    const { options, challengeId } = await credential.signinOptions();
    const response = user.authenticator.assert(options, { counter: 0 });
    await expect(credential.prove({ challengeId, response: response as never }, {})).rejects.toMatchObject({ code: 'PASSKEY_INVALID', status: 401 });
    expect((await auditOf(user.id, 'signin.failure')).map((d) => d.reason)).toEqual(['credential-removed']);
  });

  it("an assertion whose user handle is not the account's; one without a handle is fine", async () => {
    const [user, other] = await Promise.all([withPasskey(), withPasskey()]);
    const handles = [other.authenticator.credentials[0]!.userHandle, Buffer.alloc(32).toString('base64url'), 'AAAA'];
    for (const userHandle of handles) {
      const body = await assertion(app, user.authenticator);
      const response = { ...body.response, response: { ...body.response.response, userHandle } };
      const res = await passkeySignin(app, { ...body, response });
      expect({ userHandle, status: res.status, body: res.body }).toEqual({ userHandle, status: 401, body: refused });
    }
    expect((await auditOf(user.id, 'signin.failure')).map((d) => d.reason)).toEqual(Array(3).fill('user-handle-of-another-account'));
    for (const userHandle of [null, undefined]) {
      const body = await assertion(app, user.authenticator);
      await passkeySignin(app, { ...body, response: { ...body.response, response: { ...body.response.response, userHandle } } }).expect(200);
    }
  });

  it('an authenticator without a counter (always 0) keeps working', async () => {
    const user = await withPasskey();
    for (let i = 0; i < 2; i++) await passkeySignin(app, await assertion(app, user.authenticator, { counter: 0 })).expect(200);
  });

  it('a challenge of another purpose (registration) is refused', async () => {
    const user = await withPasskey();
    const { body: start } = await app.http().post('/api/users/me/passkeys/options').set('Authorization', `Bearer ${user.accessToken}`).send({ password: user.password }).expect(200);
    const response = user.authenticator.assert({ challenge: start.options.challenge, rpId: 'auth.example.test' });
    expect((await passkeySignin(app, { challengeId: start.challengeId, response }).expect(401)).body).toEqual(refused);
    expect(await lastFailureReason()).toBe('challenge-unknown-expired-or-used');
  });

  it('malformed bodies: 400 naming the field, never 500; well-formed garbage bytes: 401', async () => {
    const user = await withPasskey();
    const body = await assertion(app, user.authenticator);
    const { response } = body;
    const malformed: unknown[] = [
      {},
      { challengeId: body.challengeId },
      { challengeId: body.challengeId, response: [] },
      { challengeId: body.challengeId, response: { ...response, rawId: 17 } },
      { challengeId: body.challengeId, response: { ...response, response: { ...response.response, signature: '%%%' } } },
      { challengeId: body.challengeId, response: { ...response, response: 'x' } },
      { challengeId: ['a'], response },
    ];
    for (const b of malformed) {
      const res = await passkeySignin(app, b);
      expect({ b, status: res.status, code: res.body.code }).toEqual({ b, status: 400, code: 'VALIDATION_FAILED' });
    }
    type Parts = typeof response.response;
    const garbage: Array<(parts: Parts) => Partial<Parts>> = [
      (parts) => ({ authenticatorData: parts.authenticatorData.slice(0, 20) }),
      () => ({ signature: 'AAAA' }),
      (parts) => ({ signature: parts.signature.slice(0, 30) }),
      () => ({ clientDataJSON: Buffer.from('not json').toString('base64url') }),
      (parts) => ({ clientDataJSON: parts.clientDataJSON.slice(0, -8) }),
    ];
    for (const broken of garbage) {
      const fresh = await assertion(app, user.authenticator);
      const parts = { ...fresh.response.response, ...broken(fresh.response.response) };
      const res = await passkeySignin(app, { challengeId: fresh.challengeId, response: { ...fresh.response, response: parts } });
      expect({ parts, status: res.status, body: res.body }).toEqual({ parts, status: 401, body: refused });
    }
    const res = await passkeySignin(app, { challengeId: 'unknown', response });
    expect(res.status).toBe(401);
  });
});

describe('several instances, EMAIL_VERIFICATION=required, the purge', () => {
  it('options from one instance are answered at another; an unverified address gets 403 EMAIL_NOT_VERIFIED', async () => {
    const strict = await startApp({ clock, database: app.database, env: { PUBLIC_URL, EMAIL_VERIFICATION: 'required' } });
    try {
      const user = await withPasskey();
      // With EMAIL_VERIFICATION=optional the unverified account signs in; with required it does not.
      await app.http().post('/api/auth/passkey').send(await assertion(app, user.authenticator)).expect(200);
      const res = await strict.http().post('/api/auth/passkey').send(await assertion(app, user.authenticator)).expect(403);
      expect(res.body.code).toBe('EMAIL_NOT_VERIFIED');
      await app.services.userService.markEmailVerified(user.id);
      const signedIn = await strict.http().post('/api/auth/passkey').send(await assertion(app, user.authenticator)).expect(200);
      expect(signedIn.body).toMatchObject({ id: user.id, emailVerified: true });
    } finally {
      await strict.close();
    }
  });

  it('the purge job deletes expired challenges only', async () => {
    const { WebauthnChallenge } = app.db.models;
    await signinOptions(app).expect(200);
    clock.advance(300_001);
    const { body: fresh } = await signinOptions(app).expect(200);
    expect(await app.services.auth.purgeMfaChallenges()).toBeGreaterThanOrEqual(1);
    const left = await WebauthnChallenge.findAll({ attributes: ['id'] });
    expect(left.map((row) => row.id)).toEqual([fresh.challengeId]);
  });
});
