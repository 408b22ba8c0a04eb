import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, manualClock, startApp, type TestApp } from '../helpers/app.js';
import { as, mfaTokenFor } from '../helpers/mfa.js';
import { FLAGS } from '../helpers/passkey-authenticator.js';
import {
  newAuthenticator,
  PUBLIC_URL,
  registerPasskey,
  registrationOptions,
  RP_ID,
  signinOptions,
  submitRegistration,
} from '../helpers/passkeys.js';

const clock = manualClock();
let app: TestApp;

beforeAll(async () => {
  app = await startApp({ clock, env: { PUBLIC_URL, APP_NAME: 'Example Auth' } });
});
afterAll(async () => {
  await app.close();
});

async function auditOf(userId: number, type: string): Promise<Array<Record<string, unknown>>> {
  const rows = await app.db.models.AuditEvent.findAll({ where: { targetId: userId, type }, order: [['id', 'ASC']] });
  return rows.map((row) => JSON.parse(row.details ?? '{}') as Record<string, unknown>);
}

describe('registration options', () => {
  it('ask for a discoverable credential with user verification, no attestation, and exclude the user\'s passkeys', async () => {
    const user = await createUser(app);
    const authenticator = newAuthenticator();
    const first = await registrationOptions(app, user).expect(200);
    expect(first.headers['cache-control']).toBe('no-store');
    expect(first.body).toEqual({ options: expect.any(Object), challengeId: expect.stringMatching(/^[\w-]{22}$/) });
    const { options } = first.body;
    expect(options.rp).toEqual({ id: RP_ID, name: 'Example Auth' });
    expect(options.user).toMatchObject({ name: user.username, displayName: user.username, id: expect.any(String) });
    expect(options.challenge).toMatch(/^[\w-]{43}$/);
    expect(options.attestation).toBe('none');
    expect(options.authenticatorSelection).toMatchObject({ residentKey: 'required', requireResidentKey: true, userVerification: 'required' });
    expect(options.excludeCredentials).toEqual([]);

    const { credential } = await registerPasskey(app, user, authenticator);
    const second = await registrationOptions(app, user).expect(200);
    expect(second.body.options.excludeCredentials).toEqual([{ id: credential.id.toString('base64url'), type: 'public-key', transports: ['internal', 'hybrid'] }]);
    // The user handle is the same for every registration of the account, and differs between accounts.
    expect(second.body.options.user.id).toBe(options.user.id);
    const other = await registrationOptions(app, await createUser(app)).expect(200);
    expect(other.body.options.user.id).not.toBe(options.user.id);
  });

  it('need a signed-in caller', async () => {
    await app.http().post('/api/users/me/passkeys/options').send().expect(403);
    await app.http().get('/api/users/me/passkeys').expect(403);
  });

  it('need the current password: a stolen access token alone cannot add a passkey (audited, throttled like other checks)', async () => {
    const user = await createUser(app);
    const options = (body?: object) => app.http().post('/api/users/me/passkeys/options').set('Authorization', `Bearer ${user.accessToken}`).send(body);
    const missing = await options({}).expect(400);
    expect(missing.body.code).toBe('VALIDATION_FAILED');
    expect(missing.body.errors).toEqual([expect.objectContaining({ field: 'password' })]);
    const wrong = await options({ password: 'not-the-password' }).expect(400);
    expect(wrong.body).toMatchObject({ code: 'WRONG_CURRENT_PASSWORD', errors: [{ field: 'password', message: 'password is not the current password' }] });
    expect(wrong.body.options).toBeUndefined();
    expect(wrong.body.challengeId).toBeUndefined();
    expect(await auditOf(user.id, 'user.password_check_failed')).toEqual([{ field: 'password' }]);
    const challengesBefore = await app.db.models.WebauthnChallenge.count();
    await options({ password: 'not-the-password' }).expect(400);
    expect(await app.db.models.WebauthnChallenge.count()).toBe(challengesBefore);
    await options({ password: user.password }).expect(200);
    expect(await app.db.models.WebauthnChallenge.count()).toBe(challengesBefore + 1);
  });

  it('every passkey route needs a signed-in caller: 403 TOKEN_MISSING, nothing stored or changed', async () => {
    const user = await createUser(app);
    const authenticator = newAuthenticator();
    const { id } = await registerPasskey(app, user, authenticator, 'Mine');
    const { body: start } = await registrationOptions(app, user).expect(200);
    const { response } = authenticator.register(start.options);
    const anonymous = {
      register: () => app.http().post('/api/users/me/passkeys').send({ challengeId: start.challengeId, response }),
      rename: () => app.http().patch(`/api/users/me/passkeys/${id}`).send({ name: 'Stolen' }),
      remove: () => app.http().delete(`/api/users/me/passkeys/${id}`),
    };
    for (const [what, send] of Object.entries(anonymous)) {
      const res = await send();
      expect({ what, status: res.status, code: res.body.code }).toEqual({ what, status: 403, code: 'TOKEN_MISSING' });
    }
    expect((await as(app, user.accessToken).get('/api/users/me/passkeys').expect(200)).body.passkeys).toEqual([expect.objectContaining({ id, name: 'Mine' })]);
  });

  it('count toward the per-address request limit (RATE_LIMIT_IP)', async () => {
    // The signin of createUser, then one request to each passkey route: 6; the 7th is refused.
    const limited = await startApp({ clock, database: app.database, env: { PUBLIC_URL, RATE_LIMIT_IP: '6' } });
    try {
      const user = await createUser(limited);
      const me = as(limited, user.accessToken);
      await limited.http().post('/api/users/me/passkeys/options').set('Authorization', `Bearer ${user.accessToken}`).send({ password: user.password }).expect(200);
      await limited.http().post('/api/users/me/passkeys').set('Authorization', `Bearer ${user.accessToken}`).send({}).expect(400);
      await me.get('/api/users/me/passkeys').expect(200);
      await limited.http().patch('/api/users/me/passkeys/unknown').set('Authorization', `Bearer ${user.accessToken}`).send({ name: 'x' }).expect(404);
      await me.delete('/api/users/me/passkeys/unknown').expect(404);
      expect((await me.get('/api/users/me/passkeys').expect(429)).body.code).toBe('RATE_LIMITED');
    } finally {
      await limited.close();
    }
  });
});

describe('register, list, rename, delete', () => {
  it('registers passkeys (audited), lists them oldest first, renames and deletes them; mfa.passkeys counts them', async () => {
    const user = await createUser(app);
    const me = as(app, user.accessToken);
    const authenticator = newAuthenticator();
    const laptop = await registerPasskey(app, user, authenticator, 'Laptop');
    clock.advance(1000);
    const phone = await registerPasskey(app, user, authenticator);
    expect((await me.get('/api/users/me').expect(200)).body.mfa).toEqual({ totp: false, recoveryCodesLeft: 0, passkeys: 2 });

    const list = await me.get('/api/users/me/passkeys').expect(200);
    expect(list.headers['cache-control']).toBe('no-store');
    expect(list.body).toEqual({
      passkeys: [
        { id: laptop.id, name: 'Laptop', createdAt: expect.any(String), lastUsedAt: null },
        { id: phone.id, name: expect.stringMatching(/^Passkey /), createdAt: expect.any(String), lastUsedAt: null },
      ],
    });
    // The API id is not the WebAuthn credential id.
    expect(laptop.id).not.toBe(laptop.credential.id.toString('base64url'));

    const renamed = await app.http().patch(`/api/users/me/passkeys/${phone.id}`).set('Authorization', `Bearer ${user.accessToken}`).send({ name: 'Phone' }).expect(200);
    expect(renamed.body).toEqual({ id: phone.id, name: 'Phone', createdAt: expect.any(String), lastUsedAt: null });
    // Renaming to the same name again is fine too.
    await app.http().patch(`/api/users/me/passkeys/${phone.id}`).set('Authorization', `Bearer ${user.accessToken}`).send({ name: 'Phone' }).expect(200);
    const removed = await me.delete(`/api/users/me/passkeys/${laptop.id}`).expect(200);
    expect(removed.body).toEqual({ message: expect.any(String) });
    expect((await me.get('/api/users/me/passkeys').expect(200)).body.passkeys.map((p: { name: string }) => p.name)).toEqual(['Phone']);
    expect((await me.get('/api/users/me').expect(200)).body.mfa.passkeys).toBe(1);

    expect(await auditOf(user.id, 'passkey.added')).toEqual([
      { passkeyId: laptop.id, name: 'Laptop' },
      { passkeyId: phone.id, name: expect.stringMatching(/^Passkey /) },
    ]);
    expect(await auditOf(user.id, 'passkey.renamed')).toEqual([
      { passkeyId: phone.id, name: 'Phone' },
      { passkeyId: phone.id, name: 'Phone' },
    ]);
    expect(await auditOf(user.id, 'passkey.removed')).toEqual([{ passkeyId: laptop.id, name: 'Laptop' }]);
  });

  it('answers 404 for another user\'s passkey and an unknown id, and leaves the passkey alone', async () => {
    const [owner, intruder] = await Promise.all([createUser(app), createUser(app)]);
    const { id } = await registerPasskey(app, owner, newAuthenticator(), 'Mine');
    const patch = (who: typeof owner, target: string) =>
      app.http().patch(`/api/users/me/passkeys/${target}`).set('Authorization', `Bearer ${who.accessToken}`).send({ name: 'Stolen' });
    for (const target of [id, 'unknown-id', 'x'.repeat(64)]) {
      expect((await patch(intruder, target).expect(404)).body).toEqual({ message: 'Passkey not found.', code: 'PASSKEY_NOT_FOUND' });
      expect((await as(app, intruder.accessToken).delete(`/api/users/me/passkeys/${target}`).expect(404)).body.code).toBe('PASSKEY_NOT_FOUND');
    }
    await patch(intruder, 'x'.repeat(65)).expect(400);
    expect((await as(app, owner.accessToken).get('/api/users/me/passkeys').expect(200)).body.passkeys).toEqual([
      expect.objectContaining({ id, name: 'Mine' }),
    ]);
  });

  it('refuses a bad name: empty, too long, or not a string', async () => {
    const user = await createUser(app);
    const { id } = await registerPasskey(app, user, newAuthenticator());
    for (const name of ['', 'n'.repeat(65), 42, null]) {
      const res = await app.http().patch(`/api/users/me/passkeys/${id}`).set('Authorization', `Bearer ${user.accessToken}`).send({ name }).expect(400);
      expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [expect.objectContaining({ field: 'name' })] });
    }
  });

  it('deleting the user deletes their passkeys', async () => {
    const [admin, user] = await Promise.all([createUser(app, ['admin']), createUser(app)]);
    await registerPasskey(app, user, newAuthenticator());
    await as(app, admin.accessToken).delete(`/api/admin/users/${user.id}`).expect(200);
    expect(await app.db.models.Passkey.count({ where: { userId: user.id } })).toBe(0);
  });
});

const unverified = {
  message:
    'The passkey could not be registered: the answer could not be verified (origin, RP ID, challenge, user verification or its format). ' +
    'Start again with POST /api/users/me/passkeys/options.',
  code: 'PASSKEY_INVALID',
};

describe('refused registrations', () => {
  it('a challenge used once (replay): 400 PASSKEY_INVALID, and nothing stored the second time', async () => {
    const user = await createUser(app);
    const authenticator = newAuthenticator();
    const { body: start } = await registrationOptions(app, user).expect(200);
    const { response } = authenticator.register(start.options);
    await submitRegistration(app, user, { challengeId: start.challengeId, response }).expect(201);
    const again = authenticator.register(start.options);
    const res = await submitRegistration(app, user, { challengeId: start.challengeId, response: again.response }).expect(400);
    expect(res.body).toEqual({ message: expect.stringMatching(/challenge is unknown, expired or already used.*options/), code: 'PASSKEY_INVALID' });
    expect(await app.db.models.Passkey.count({ where: { userId: user.id } })).toBe(1);
  });

  it('an expired challenge (5 minutes) and another user\'s challenge', async () => {
    const [user, other] = await Promise.all([createUser(app), createUser(app)]);
    const authenticator = newAuthenticator();
    const { body: start } = await registrationOptions(app, user).expect(200);
    clock.advance(300_001);
    const late = await submitRegistration(app, user, { challengeId: start.challengeId, response: authenticator.register(start.options).response }).expect(400);
    expect(late.body.code).toBe('PASSKEY_INVALID');

    const { body: theirs } = await registrationOptions(app, other).expect(200);
    const stolen = await submitRegistration(app, user, { challengeId: theirs.challengeId, response: authenticator.register(theirs.options).response }).expect(400);
    expect(stolen.body.code).toBe('PASSKEY_INVALID');
    // The challenge was used up by the attempt: its owner cannot use it either.
    await submitRegistration(app, other, { challengeId: theirs.challengeId, response: authenticator.register(theirs.options).response }).expect(400);
    expect(await app.db.models.Passkey.count({ where: { userId: user.id } })).toBe(0);
  });

  it('a wrong origin, a wrong RP ID hash, no user verification, a wrong ceremony type', async () => {
    const user = await createUser(app);
    const authenticator = newAuthenticator();
    const cases = [
      { origin: 'https://evil.example.test' },
      { origin: 'http://auth.example.test' },
      { rpId: 'example.test' },
      { rpId: 'evil.example.test' },
      { flags: FLAGS.UP | FLAGS.AT },
      { type: 'webauthn.get' },
      { challenge: 'A'.repeat(43) },
    ];
    for (const overrides of cases) {
      const { body: start } = await registrationOptions(app, user).expect(200);
      const res = await submitRegistration(app, user, { challengeId: start.challengeId, response: authenticator.register(start.options, overrides).response });
      // One fixed message: the library's names the configured origins and echoes the client's challenge.
      expect({ overrides, status: res.status, body: res.body }).toEqual({ overrides, status: 400, body: unverified });
    }
    expect(await app.db.models.Passkey.count({ where: { userId: user.id } })).toBe(0);
  });

  it('a challenge of a signin or of a second step: 400 PASSKEY_INVALID, nothing stored', async () => {
    const user = await createUser(app);
    const authenticator = newAuthenticator();
    await registerPasskey(app, user, authenticator);
    const passwordless = await signinOptions(app).expect(200);
    const named = await signinOptions(app, { username: user.username }).expect(200);
    const secondStep = await signinOptions(app, { mfaToken: await mfaTokenFor(app, user) }).expect(200);
    for (const { body } of [passwordless, named, secondStep]) {
      const { options: creation } = (await registrationOptions(app, user).expect(200)).body;
      // A valid registration answer, but to the signin's challenge.
      const { response } = authenticator.register({ ...creation, challenge: body.options.challenge });
      const res = await submitRegistration(app, user, { challengeId: body.challengeId, response });
      expect({ status: res.status, body: res.body }).toEqual({
        status: 400,
        body: { message: expect.stringMatching(/challenge is unknown, expired or already used/), code: 'PASSKEY_INVALID' },
      });
    }
    expect(await app.db.models.Passkey.count({ where: { userId: user.id } })).toBe(1);
  });

  it('at most 20 passkeys: the 21st is 409 PASSKEY_LIMIT_REACHED until one is removed', async () => {
    const user = await createUser(app);
    const authenticator = newAuthenticator();
    const first = await registerPasskey(app, user, authenticator);
    for (let i = 1; i < 19; i++) await registerPasskey(app, user, authenticator);
    // Options taken at 19, answered after the 20th was added: refused at registration.
    const { body: early } = await registrationOptions(app, user).expect(200);
    await registerPasskey(app, user, authenticator);
    const refused = { status: 409, body: { message: expect.stringMatching(/20 passkeys.*Remove one first/), code: 'PASSKEY_LIMIT_REACHED' } };
    // At 20, no options at all: the browser's prompt is not shown for nothing.
    const full = await registrationOptions(app, user);
    expect({ status: full.status, body: full.body }).toEqual(refused);
    const res = await submitRegistration(app, user, { challengeId: early.challengeId, response: authenticator.register(early.options).response });
    expect({ status: res.status, body: res.body }).toEqual(refused);
    expect(await app.db.models.Passkey.count({ where: { userId: user.id } })).toBe(20);
    await as(app, user.accessToken).delete(`/api/users/me/passkeys/${first.id}`).expect(200);
    await registerPasskey(app, user, authenticator);
    expect(await app.db.models.Passkey.count({ where: { userId: user.id } })).toBe(20);
  });

  it('a credential id registered already, by anyone: 409 PASSKEY_ALREADY_REGISTERED', async () => {
    const [first, second] = await Promise.all([createUser(app), createUser(app)]);
    const authenticator = newAuthenticator();
    await registerPasskey(app, first, authenticator);
    const { body: start } = await registrationOptions(app, second).expect(200);
    const { response } = authenticator.register(start.options);
    // The same credential id again (a cloned or replayed attestation of another account's key).
    const copied = { ...response, id: authenticator.credentials[0]!.id.toString('base64url') };
    const res = await submitRegistration(app, second, { challengeId: start.challengeId, response: rebuildWithId(response, copied.id) });
    expect(res.status).toBe(409);
    expect(res.body).toEqual({ message: expect.any(String), code: 'PASSKEY_ALREADY_REGISTERED' });
  });
});

/** The same registration answer, with another credential id inside the attestation (and outside). */
function rebuildWithId<T extends { id: string; rawId: string; response: { attestationObject: string } }>(response: T, id: string): T {
  const object = Buffer.from(response.response.attestationObject, 'base64url');
  const oldId = Buffer.from(response.id, 'base64url');
  const newId = Buffer.from(id, 'base64url');
  if (oldId.length !== newId.length) throw new Error('ids of different lengths');
  const at = object.indexOf(oldId);
  newId.copy(object, at);
  return { ...response, id, rawId: id, response: { ...response.response, attestationObject: object.toString('base64url') } };
}

describe('malformed registration bodies: 400 with the field named, never 500', () => {
  it('garbage fields, wrong types, truncated base64', async () => {
    const user = await createUser(app);
    const authenticator = newAuthenticator();
    const { body: start } = await registrationOptions(app, user).expect(200);
    const { response } = authenticator.register(start.options);
    const bodies: unknown[] = [
      {},
      { challengeId: start.challengeId },
      { challengeId: start.challengeId, response: 'a string' },
      { challengeId: start.challengeId, response: null },
      { challengeId: 42, response },
      { challengeId: start.challengeId, response: { ...response, type: 'password' } },
      { challengeId: start.challengeId, response: { ...response, id: 'not base64url!' } },
      { challengeId: start.challengeId, response: { ...response, response: { ...response.response, attestationObject: 12 } } },
      { challengeId: start.challengeId, response: { ...response, response: { ...response.response, transports: 'usb' } } },
      { challengeId: start.challengeId, response, name: 7 },
      { challengeId: start.challengeId, response, extra: true },
      [response],
    ];
    for (const body of bodies) {
      const res = await submitRegistration(app, user, body);
      expect({ body, status: res.status, code: res.body.code }).toEqual({ body, status: 400, code: 'VALIDATION_FAILED' });
    }
    // Well-formed JSON whose bytes are not a WebAuthn answer: truncated, or not CBOR / JSON inside.
    // Each is made from an answer to fresh options, so that only the broken part can fail it.
    type Parts = typeof response.response;
    const truncated: Array<(parts: Parts) => Partial<Parts>> = [
      (parts) => ({ attestationObject: parts.attestationObject.slice(0, 40) }),
      (parts) => ({ attestationObject: parts.attestationObject.slice(0, -16) }),
      (parts) => ({ clientDataJSON: parts.clientDataJSON.slice(0, 10) }),
      () => ({ attestationObject: 'AAAA' }),
      () => ({ clientDataJSON: Buffer.from('{"type":').toString('base64url') }),
    ];
    for (const broken of truncated) {
      const fresh = await registrationOptions(app, user).expect(200);
      const answer = authenticator.register(fresh.body.options).response;
      const part = { ...answer.response, ...broken(answer.response) };
      const res = await submitRegistration(app, user, { challengeId: fresh.body.challengeId, response: { ...answer, response: part } });
      expect({ part, status: res.status, body: res.body }).toEqual({ part, status: 400, body: unverified });
      expect(await app.db.models.Passkey.count({ where: { userId: user.id } })).toBe(0);
    }
    // The same answers, unbroken, register: what failed above was the broken part.
    const fresh = await registrationOptions(app, user).expect(200);
    await submitRegistration(app, user, { challengeId: fresh.body.challengeId, response: authenticator.register(fresh.body.options).response }).expect(201);
  });
});
