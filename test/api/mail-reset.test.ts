import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, manualClock, startApp, type TestApp, type TestUser } from '../helpers/app.js';
import { auditTypesOf } from '../helpers/mail.js';
import { startMailbox, type Mailbox } from '../helpers/mailbox.js';

let mailbox: Mailbox;
let app: TestApp;

beforeAll(async () => {
  mailbox = await startMailbox();
  app = await startApp({ env: { SMTP_URL: mailbox.url, TRUST_PROXY: 'true' } });
});
afterAll(async () => {
  await app.close();
  await mailbox.stop();
});

const signin = (a: TestApp, username: string, password: string, ip = '198.51.100.7') =>
  a.http().post('/api/auth/signin').set('X-Forwarded-For', ip).send({ username, password });
const forgot = (a: TestApp, email: string) => a.http().post('/api/auth/forgot-password').send({ email });
const reset = (a: TestApp, token: string | undefined, password: string) => a.http().post('/api/auth/reset-password').send({ token, password });

async function resetLink(a: TestApp, user: TestUser): Promise<string> {
  await forgot(a, user.email).expect(202);
  const mail = await mailbox.next(user.email);
  expect(mail.links[0]).toMatch(/^http:\/\/localhost:8080\/console\/reset-password\?token=[\w-]{43}$/);
  return mail.token!;
}

describe('forgot → mail → reset', () => {
  it('sets the password, refuses the old one, ends every session, counts as verification', async () => {
    const user = await createUser(app);
    const other = (await signin(app, user.username, user.password).expect(200)).body;
    expect(other.emailVerified).toBe(false);

    const res = await forgot(app, user.email).expect(202);
    expect(res.body).toEqual({ message: 'If an account has this address, a password reset link is on its way.' });
    const mail = await mailbox.next(user.email);
    expect(mail.subject).toBe('Reset your Tokengate password');
    expect(mail.text).toMatch(/If you did not ask for this, ignore this mail/);
    expect(mail.html).toContain(mail.links[0]);

    const done = await reset(app, mail.token, 'a fresh passphrase').expect(200);
    expect(done.body).toEqual({ message: 'Password changed. Please sign in.' });
    expect((await signin(app, user.username, user.password).expect(401)).body.code).toBe('INVALID_CREDENTIALS');
    const fresh = (await signin(app, user.username, 'a fresh passphrase').expect(200)).body;
    expect(fresh.emailVerified).toBe(true);

    for (const session of [user, other]) {
      await app.http().post('/api/auth/refreshtoken').send({ refreshToken: session.refreshToken }).expect(403);
      await app.http().get('/api/test/user').set('x-access-token', session.accessToken).expect(401);
    }
    await reset(app, mail.token, 'yet another passphrase').expect(400);
    expect(await auditTypesOf(app, user.id)).toEqual(expect.arrayContaining(['password.reset_requested', 'password.reset']));
  });

  it('clears the account throttle', async () => {
    // The clock stands still: without the reset clearing it, the account would wait for ever.
    const clock = manualClock();
    const throttled = await startApp({ clock, env: { SMTP_URL: mailbox.url, ACCOUNT_THROTTLE_AFTER: '3', TRUST_PROXY: 'true' } });
    try {
      const user = await createUser(throttled);
      for (let i = 0; i < 3; i++) await signin(throttled, user.username, 'wrong-password', `203.0.113.${i + 1}`).expect(401);
      await signin(throttled, user.username, 'a reset passphrase', '203.0.113.9').expect(429);
      await reset(throttled, await resetLink(throttled, user), 'a reset passphrase').expect(200);
      await signin(throttled, user.username, 'a reset passphrase', '203.0.113.10').expect(200);
    } finally {
      await throttled.close();
    }
  });

  it('applies the password policy; the link still works after a refused password', async () => {
    const user = await createUser(app);
    const token = await resetLink(app, user);
    const weak = await reset(app, token, 'password1').expect(400);
    expect(weak.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'password', message: expect.stringMatching(/most commonly used/) }] });
    expect((await reset(app, token, user.username).expect(400)).body.message).toBe('password must not be the same as the username');
    await reset(app, token, 'a much better passphrase').expect(200);
  });

  it('of concurrent uses of one link, exactly one wins', async () => {
    const user = await createUser(app);
    const token = await resetLink(app, user);
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => reset(app, token, `concurrent passphrase ${i}`)));
    expect(results.map((r) => r.status).sort()).toEqual([200, 400, 400, 400, 400, 400]);
    const winner = results.findIndex((r) => r.status === 200);
    await signin(app, user.username, `concurrent passphrase ${winner}`).expect(200);
    for (const loser of results.filter((r) => r.status === 400)) expect(loser.body.code).toBe('RESET_TOKEN_INVALID');
  });

  it('a newer link voids the older one', async () => {
    const user = await createUser(app);
    const older = await resetLink(app, user);
    const newer = await resetLink(app, user);
    expect((await reset(app, older, 'the older passphrase').expect(400)).body.code).toBe('RESET_TOKEN_INVALID');
    await reset(app, newer, 'the newer passphrase').expect(200);
  });

  it('refuses unknown tokens and malformed bodies with 400', async () => {
    expect((await reset(app, 'A'.repeat(43), 'a fine passphrase').expect(400)).body.code).toBe('RESET_TOKEN_INVALID');
    expect((await reset(app, undefined, 'a fine passphrase').expect(400)).body.code).toBe('VALIDATION_FAILED');
    expect((await app.http().post('/api/auth/reset-password').send({ token: 'x' }).expect(400)).body.errors[0].field).toBe('password');
    expect((await forgot(app, 'not-an-address').expect(400)).body.errors[0].field).toBe('email');
    expect((await app.http().post('/api/auth/forgot-password').send('[1]').set('Content-Type', 'application/json').expect(400)).body.code).toBeDefined();
  });

  it('an expired link is refused (injectable clock, RESET_PASSWORD_TTL)', async () => {
    const clock = manualClock();
    const timed = await startApp({ clock, env: { SMTP_URL: mailbox.url, RESET_PASSWORD_TTL: '30m' } });
    try {
      const user = await createUser(timed);
      const token = await resetLink(timed, user);
      clock.advance(30 * 60_000 - 1000);
      const early = await resetLink(timed, user);
      clock.advance(2000);
      expect((await reset(timed, token, 'a late passphrase').expect(400)).body.code).toBe('RESET_TOKEN_INVALID');
      await reset(timed, early, 'an early passphrase').expect(200);
    } finally {
      await timed.close();
    }
  });
});
