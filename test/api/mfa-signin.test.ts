import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, startApp, type TestApp, type TestUser } from '../helpers/app.js';
import { amrOf, as, enrollTotp, mfaTokenFor, signin, STEP_MS, stepClock, type Enrolled, verify, wrongCode } from '../helpers/mfa.js';

const clock = stepClock();
let app: TestApp;

beforeAll(async () => {
  app = await startApp({ clock });
});
afterAll(async () => {
  await app.close();
});

async function enrolledUser(): Promise<TestUser & Enrolled> {
  const user = await createUser(app);
  return { ...user, ...(await enrollTotp(app, user, clock)) };
}

const now = () => clock.now();
async function auditOf(userId: number, type: string): Promise<Array<Record<string, unknown>>> {
  const rows = await app.db.models.AuditEvent.findAll({ where: { targetId: userId, type }, order: [['id', 'ASC']] });
  return rows.map((row) => JSON.parse(row.details ?? '{}') as Record<string, unknown>);
}

describe('signin of an account with an authenticator app', () => {
  it('answers an mfaToken and no tokens; the code then gives the full signin answer, with amr pwd+otp', async () => {
    const user = await enrolledUser();
    const first = await signin(app, user).expect(200);
    expect(first.headers['cache-control']).toBe('no-store');
    expect(first.body).toEqual({
      mfaRequired: true,
      mfaToken: expect.stringMatching(/^[\w-]{22}\.[\w-]{43}$/),
      methods: ['totp', 'recovery_code'],
      message: expect.any(String),
    });

    const res = await verify(app, first.body.mfaToken, user.authenticator.codeAt(now())).expect(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toEqual({
      id: user.id,
      username: user.username,
      email: user.email,
      emailVerified: false,
      roles: ['ROLE_USER'],
      accessToken: expect.any(String),
      refreshToken: expect.stringMatching(/^[\w-]{22}\.[\w-]{43}$/),
      tokenType: 'Bearer',
      expiresIn: 900,
    });
    expect(amrOf(res.body.accessToken)).toEqual(['pwd', 'otp']);
    await app.http().get('/api/test/user').set('x-access-token', res.body.accessToken).expect(200);
    expect(await auditOf(user.id, 'signin.success')).toContainEqual({ amr: ['pwd', 'otp'] });
  });

  it('keeps amr through refreshes; a password-only session stays pwd', async () => {
    const user = await enrolledUser();
    const signedIn = await verify(app, await mfaTokenFor(app, user), user.authenticator.codeAt(now())).expect(200);
    const refreshed = await app.http().post('/api/auth/refreshtoken').send({ refreshToken: signedIn.body.refreshToken }).expect(200);
    expect(amrOf(refreshed.body.accessToken)).toEqual(['pwd', 'otp']);
    // The user's token from before the setup came from a password alone.
    const before = await app.http().post('/api/auth/refreshtoken').send({ refreshToken: user.refreshToken }).expect(200);
    expect(amrOf(before.body.accessToken)).toEqual(['pwd']);
  });

  it('refuses a code accepted once (replay), and any earlier step, even within the window', async () => {
    const user = await enrolledUser();
    const code = user.authenticator.codeAt(now());
    await verify(app, await mfaTokenFor(app, user), code).expect(200);
    const replay = await verify(app, await mfaTokenFor(app, user), code).expect(401);
    expect(replay.body).toEqual({ message: expect.any(String), code: 'MFA_CODE_INVALID' });
    const earlier = await verify(app, await mfaTokenFor(app, user), user.authenticator.codeAt(now(), -1)).expect(401);
    expect(earlier.body.code).toBe('MFA_CODE_INVALID');
    expect((await auditOf(user.id, 'mfa.failure')).map((d) => d.reason)).toEqual(['replay', 'replay']);

    clock.advance(STEP_MS);
    await verify(app, await mfaTokenFor(app, user), user.authenticator.codeAt(now())).expect(200);
  });

  it('lets exactly one of two concurrent signins with the same code through', async () => {
    const user = await enrolledUser();
    const [a, b] = await Promise.all([mfaTokenFor(app, user), mfaTokenFor(app, user)]);
    const code = user.authenticator.codeAt(now());
    const results = await Promise.all([verify(app, a, code), verify(app, b, code)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
  });

  it('accepts the codes of one step before and one step after, not two', async () => {
    const early = await enrolledUser();
    clock.advance(2 * STEP_MS);
    for (const steps of [-2, 2]) {
      const res = await verify(app, await mfaTokenFor(app, early), early.authenticator.codeAt(now(), steps)).expect(401);
      expect(res.body.code).toBe('MFA_CODE_INVALID');
    }
    await verify(app, await mfaTokenFor(app, early), early.authenticator.codeAt(now(), -1)).expect(200);

    const late = await enrolledUser();
    await verify(app, await mfaTokenFor(app, late), late.authenticator.codeAt(now(), 1)).expect(200);
  });
});

describe('the mfaToken', () => {
  it('dies after 5 wrong codes: then even the right code is refused', async () => {
    const user = await enrolledUser();
    const token = await mfaTokenFor(app, user);
    for (let i = 1; i <= 5; i++) {
      const res = await verify(app, token, wrongCode(user.authenticator, now())).expect(401);
      expect(res.body.code).toBe('MFA_CODE_INVALID');
    }
    const dead = await verify(app, token, user.authenticator.codeAt(now())).expect(401);
    expect(dead.body).toEqual({ message: expect.any(String), code: 'MFA_TOKEN_INVALID' });
    // The factor itself is not locked: a new signin goes through.
    await verify(app, await mfaTokenFor(app, user), user.authenticator.codeAt(now())).expect(200);
    const metrics = (await app.http().get('/metrics').expect(200)).text;
    for (const outcome of ['success', 'MFA_CODE_INVALID', 'MFA_TOKEN_INVALID']) {
      expect(metrics).toMatch(new RegExp(`^tokengate_mfa_verify_total\\{outcome="${outcome}"\\} [1-9]`, 'm'));
    }
  });

  it('works once, and lives 5 minutes', async () => {
    const user = await enrolledUser();
    const token = await mfaTokenFor(app, user);
    await verify(app, token, user.authenticator.codeAt(now())).expect(200);
    clock.advance(STEP_MS);
    expect((await verify(app, token, user.authenticator.codeAt(now())).expect(401)).body.code).toBe('MFA_TOKEN_INVALID');

    const old = await mfaTokenFor(app, user);
    clock.advance(5 * 60_000 + 1_000);
    expect((await verify(app, old, user.authenticator.codeAt(now())).expect(401)).body.code).toBe('MFA_TOKEN_INVALID');
    // The hourly purge removes expired ones.
    expect(await app.services.auth.purgeMfaChallenges()).toBeGreaterThanOrEqual(2);
    expect(await app.db.models.MfaChallenge.count({ where: { userId: user.id } })).toBe(0);
  });

  it('is refused when unknown, forged or for an account disabled meanwhile', async () => {
    const user = await enrolledUser();
    const code = user.authenticator.codeAt(now());
    const token = await mfaTokenFor(app, user);
    const [id] = token.split('.');
    for (const forged of ['nope', `${id}.${'A'.repeat(43)}`, `${'A'.repeat(22)}.${'B'.repeat(43)}`]) {
      expect((await verify(app, forged, code).expect(401)).body.code).toBe('MFA_TOKEN_INVALID');
    }
    await app.services.adminUsers.update(user.id, { disabled: true }, { context: {}, via: 'cli' });
    expect((await verify(app, token, code).expect(401)).body.code).toBe('MFA_TOKEN_INVALID');
  });
});

describe('recovery codes at signin', () => {
  it('sign in once each, however they are typed; the account shows how many are left', async () => {
    const user = await enrolledUser();
    expect(user.recoveryCodes).toHaveLength(10);
    expect(new Set(user.recoveryCodes).size).toBe(10);
    for (const code of user.recoveryCodes) expect(code).toMatch(/^[0-9a-z]{4}(-[0-9a-z]{4}){3}$/);

    const [first, second] = user.recoveryCodes as [string, string];
    const res = await verify(app, await mfaTokenFor(app, user), first).expect(200);
    expect(amrOf(res.body.accessToken)).toEqual(['pwd', 'otp']);
    expect((await as(app, res.body.accessToken).get('/api/users/me').expect(200)).body.mfa).toEqual({
      totp: true,
      recoveryCodesLeft: 9,
      passkeys: 0,
    });
    expect((await verify(app, await mfaTokenFor(app, user), first).expect(401)).body.code).toBe('MFA_CODE_INVALID');
    await verify(app, await mfaTokenFor(app, user), second.toUpperCase().replaceAll('-', ' ')).expect(200);
    expect(await auditOf(user.id, 'mfa.recovery_code_used')).toEqual([{ left: 9 }, { left: 8 }]);
  });

  it('lets exactly one of two concurrent uses of one code through', async () => {
    const user = await enrolledUser();
    const [a, b] = await Promise.all([mfaTokenFor(app, user), mfaTokenFor(app, user)]);
    const code = user.recoveryCodes[0]!;
    const results = await Promise.all([verify(app, a, code), verify(app, b, code)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
  });

  it('once all are used, signin offers the authenticator alone', async () => {
    const user = await enrolledUser();
    const tokens = await Promise.all(user.recoveryCodes.map(() => mfaTokenFor(app, user)));
    for (const [i, code] of user.recoveryCodes.entries()) await verify(app, tokens[i], code).expect(200);
    expect((await signin(app, user).expect(200)).body.methods).toEqual(['totp']);
  });
});

describe('wrong codes and the account throttle', () => {
  const throttled = stepClock();
  let strict: TestApp;
  beforeAll(async () => {
    strict = await startApp({ clock: throttled, database: app.database, env: { ACCOUNT_THROTTLE_AFTER: '2', TRUST_PROXY: 'true' } });
  });
  afterAll(async () => {
    await strict.close();
  });

  it('count like wrong passwords: the account waits, even for the right password; a right code ends it', async () => {
    const user = await createUser(strict);
    const { authenticator } = await enrollTotp(strict, user, throttled);
    const from = (ip: string) => ({ 'X-Forwarded-For': ip });
    const credentials = { username: user.username, password: user.password };
    const first = await strict.http().post('/api/auth/signin').set(from('203.0.113.1')).send(credentials).expect(200);
    const token = first.body.mfaToken as string;
    const attempt = (code: string) =>
      strict.http().post('/api/auth/mfa/verify').set(from('203.0.113.1')).send({ mfaToken: token, code });

    await attempt(wrongCode(authenticator, throttled.now())).expect(401);
    await attempt(wrongCode(authenticator, throttled.now())).expect(401);
    const held = await attempt(authenticator.codeAt(throttled.now())).expect(429);
    expect(held.body.code).toBe('SIGNIN_THROTTLED');
    expect(held.headers['retry-after']).toBe('1');
    // A right password from the address did not make it a trusted one, and signin waits too.
    await strict.http().post('/api/auth/signin').set(from('203.0.113.2')).send(credentials).expect(429);

    throttled.advance(1_100);
    await attempt(authenticator.codeAt(throttled.now())).expect(200);
    await strict.http().post('/api/auth/signin').set(from('203.0.113.2')).send(credentials).expect(200);
  });
});

describe('cookie transport', () => {
  it('sets no cookie for the mfaToken answer, and both cookies for the verified signin', async () => {
    const cookies = await startApp({ clock, database: app.database, env: { COOKIE_TRANSPORT: 'true' } });
    try {
      const user = await createUser(app);
      const { authenticator } = await enrollTotp(app, user, clock);
      const first = await signin(cookies, user).expect(200);
      expect(first.headers['set-cookie']).toBeUndefined();
      const res = await verify(cookies, first.body.mfaToken, authenticator.codeAt(now())).expect(200);
      const set = (res.headers['set-cookie'] as unknown as string[]).join('\n');
      expect(set).toMatch(/tg_access=/);
      expect(set).toMatch(/tg_refresh=/);
      expect(res.body.accessToken).toBeUndefined();
    } finally {
      await cookies.close();
    }
  });
});
