import { createHash } from 'node:crypto';
import { decodeJwt } from 'jose';
import { QueryTypes } from 'sequelize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, manualClock, startApp, uniqueName, type TestApp } from '../helpers/app.js';
import { auditTypesOf, outboxSettled, signUp } from '../helpers/mail.js';
import { startMailbox, type Mailbox } from '../helpers/mailbox.js';
import { signWithAppKey } from '../helpers/tokens.js';

let mailbox: Mailbox;
let app: TestApp;

beforeAll(async () => {
  mailbox = await startMailbox();
  app = await startApp({ env: { SMTP_URL: mailbox.url, APP_NAME: 'Acme Login' } });
});
afterAll(async () => {
  await app.close();
  await mailbox.stop();
});

const signin = (a: TestApp, username: string, password: string) => a.http().post('/api/auth/signin').send({ username, password });
const verify = (a: TestApp, token: string | undefined) => a.http().post('/api/auth/verify-email').send({ token });

describe('signup → mail → verify', () => {
  it('sends a link with a text and an HTML part; the link verifies the address once', async () => {
    const account = await signUp(app, uniqueName('verify'));
    const mail = await mailbox.next(account.email);
    expect(mail.subject).toBe('Verify your email address for Acme Login');
    expect(mail.parsed.from?.value[0]).toMatchObject({ name: 'Acme Login', address: 'no-reply@localhost' });
    expect(mail.text).toMatch(/If you did not create an account with Acme Login, ignore this mail/);
    expect(mail.html).toMatch(/<a href="http:\/\/localhost:8080\/console\/verify-email\?token=/);
    expect(mail.links[0]).toMatch(/^http:\/\/localhost:8080\/console\/verify-email\?token=[\w-]{43}$/);

    const before = await signin(app, account.username, account.password).expect(200);
    expect(before.body.emailVerified).toBe(false);
    expect(decodeJwt(before.body.accessToken).email_verified).toBe(false);

    const res = await verify(app, mail.token).expect(200);
    expect(res.body).toEqual({ message: 'Email verified.', email: account.email });

    const after = await signin(app, account.username, account.password).expect(200);
    expect(after.body.emailVerified).toBe(true);
    expect(decodeJwt(after.body.accessToken).email_verified).toBe(true);
    const me = await app.http().get('/api/users/me').set('Authorization', `Bearer ${after.body.accessToken}`).expect(200);
    expect(me.body.emailVerified).toBe(true);

    const again = await verify(app, mail.token).expect(400);
    expect(again.body).toEqual({ code: 'VERIFICATION_TOKEN_INVALID', message: expect.stringMatching(/invalid, used or expired/) });
    expect(await auditTypesOf(app, after.body.id)).toEqual(expect.arrayContaining(['signup', 'email.verification_sent', 'email.verified']));
  });

  it('of two concurrent uses of one link, exactly one succeeds', async () => {
    const account = await signUp(app, uniqueName('race'));
    const { token } = await mailbox.next(account.email);
    const statuses = (await Promise.all(Array.from({ length: 8 }, () => verify(app, token)))).map((r) => r.status).sort();
    expect(statuses).toEqual([200, 400, 400, 400, 400, 400, 400, 400]);
  });

  it('a newer link voids the older one; the signed-in caller can ask too; a verified address gets nothing more', async () => {
    const account = await signUp(app, uniqueName('resend'));
    const first = await mailbox.next(account.email);
    const res = await app.http().post('/api/auth/verify-email/send').send({ email: account.email.toUpperCase() }).expect(202);
    expect(res.body.message).toMatch(/a verification link is on its way/);
    const second = await mailbox.next(account.email);
    expect(second.token).not.toBe(first.token);
    await verify(app, first.token).expect(400);

    const session = (await signin(app, account.username, account.password).expect(200)).body;
    await app.http().post('/api/auth/verify-email/send').set('Authorization', `Bearer ${session.accessToken}`).expect(202);
    const third = await mailbox.next(account.email);
    await verify(app, second.token).expect(400);
    await verify(app, third.token).expect(200);

    await app.http().post('/api/auth/verify-email/send').send({ email: account.email }).expect(202);
    await outboxSettled(app);
    expect(mailbox.to(account.email)).toHaveLength(3);
  });

  it('refuses unknown and malformed tokens, and a resend without an address or a token', async () => {
    expect((await verify(app, 'x'.repeat(43)).expect(400)).body.code).toBe('VERIFICATION_TOKEN_INVALID');
    expect((await verify(app, undefined).expect(400)).body.code).toBe('VALIDATION_FAILED');
    expect((await app.http().post('/api/auth/verify-email').send({ token: 42 }).expect(400)).body.code).toBe('VALIDATION_FAILED');
    const bare = await app.http().post('/api/auth/verify-email/send').expect(400);
    expect(bare.body).toMatchObject({ code: 'VALIDATION_FAILED', message: 'email is required (or sign in)' });
    expect((await app.http().post('/api/auth/verify-email/send').send({ email: 'nope' }).expect(400)).body.errors[0].field).toBe('email');
  });

  it('an expired link is refused (injectable clock)', async () => {
    const clock = manualClock();
    const timed = await startApp({ clock, env: { SMTP_URL: mailbox.url, VERIFY_EMAIL_TTL: '1h' } });
    try {
      const account = await signUp(timed, uniqueName('late'));
      const { token } = await mailbox.next(account.email);
      clock.advance(3600_000 + 1000);
      expect((await verify(timed, token).expect(400)).body.code).toBe('VERIFICATION_TOKEN_INVALID');
    } finally {
      await timed.close();
    }
  });
});

describe('the email_verified claim', () => {
  it('tokens issued before it existed still work; a claim of the wrong type is refused', async () => {
    const user = await createUser(app);
    const board = (token: string) => app.http().get('/api/test/user').set('x-access-token', token);
    await board(signWithAppKey(app, user, { claims: { roles: ['user'], sid: 'older-session' } })).expect(200);
    await board(signWithAppKey(app, user, { claims: { roles: ['user'], sid: 'older-session', email_verified: 'yes' } })).expect(401);
  });
});

describe('email change', () => {
  it('sends a link to the new address and a notice to the old; the address changes only when the link is used', async () => {
    const user = await createUser(app);
    const newEmail = `${uniqueName('moved')}@example.test`;
    const as = (req: ReturnType<ReturnType<TestApp['http']>['patch']>) => req.set('Authorization', `Bearer ${user.accessToken}`);
    const res = await as(app.http().patch('/api/users/me')).send({ email: newEmail }).expect(202);
    expect(res.body.message).toMatch(/confirmation link was sent/);

    const confirm = await mailbox.next(newEmail);
    expect(confirm.subject).toBe('Confirm your new email address for Acme Login');
    const notice = await mailbox.next(user.email);
    expect(notice.text).toContain(newEmail);
    expect(notice.token).toBeUndefined();

    // Until the link is used, the account keeps its address: for signin, the API and mail.
    const me = () => app.http().get('/api/users/me').set('Authorization', `Bearer ${user.accessToken}`);
    expect((await me().expect(200)).body.email).toBe(user.email);
    await app.http().post('/api/auth/forgot-password').send({ email: newEmail }).expect(202);
    await outboxSettled(app);
    expect(mailbox.to(newEmail)).toHaveLength(1);

    expect((await verify(app, confirm.token).expect(200)).body).toEqual({ message: 'Email verified.', email: newEmail });
    expect((await me().expect(200)).body).toMatchObject({ email: newEmail, emailVerified: true });
    expect(await auditTypesOf(app, user.id)).toEqual(expect.arrayContaining(['email.change_requested', 'email.changed']));
    await verify(app, confirm.token).expect(400);
  });

  it('an admin sets an address directly: no link, counted as verified, audited', async () => {
    const [admin, user] = [await createUser(app, ['admin']), await createUser(app)];
    const newEmail = `${uniqueName('set')}@example.test`;
    const res = await app
      .http()
      .patch(`/api/admin/users/${user.id}`)
      .set('Authorization', `Bearer ${admin.accessToken}`)
      .send({ email: newEmail })
      .expect(200);
    expect(res.body).toMatchObject({ email: newEmail, emailVerified: true });
    const [event] = await app.db.sequelize.query<{ details: string }>(
      `SELECT details FROM audit_events WHERE type = 'admin.user_updated' AND ${q('targetId')} = :id`,
      { replacements: { id: user.id }, type: QueryTypes.SELECT },
    );
    expect(JSON.parse(event!.details)).toMatchObject({ changes: { email: newEmail }, before: { email: user.email }, via: 'api' });
    await outboxSettled(app);
    expect(mailbox.to(newEmail)).toEqual([]);
  });

  it('refuses an address in use and the current address', async () => {
    const [user, other] = [await createUser(app), await createUser(app)];
    const patch = (email: string) => app.http().patch('/api/users/me').set('Authorization', `Bearer ${user.accessToken}`).send({ email });
    expect((await patch(other.email.toUpperCase()).expect(400)).body.message).toBe('Failed! Email is already in use!');
    expect((await patch(user.email).expect(400)).body.errors[0].field).toBe('email');
  });
});

describe('EMAIL_VERIFICATION=required', () => {
  it('403 EMAIL_NOT_VERIFIED only after a right password; verified and operator-made accounts sign in', async () => {
    const strict = await startApp({ env: { SMTP_URL: mailbox.url, EMAIL_VERIFICATION: 'required' } });
    try {
      const account = await signUp(strict, uniqueName('strict'));
      expect((await signin(strict, account.username, 'wrong-password').expect(401)).body.code).toBe('INVALID_CREDENTIALS');
      const refused = await signin(strict, account.username, account.password).expect(403);
      expect(refused.body).toEqual({ code: 'EMAIL_NOT_VERIFIED', message: 'Please verify your email address first.' });
      await verify(strict, (await mailbox.next(account.email)).token).expect(200);
      await signin(strict, account.username, account.password).expect(200);

      const username = uniqueName('made');
      await strict.services.adminUsers.create(
        { username, email: `${username}@example.test`, password: 'an-operator-password' },
        { via: 'cli', context: {} },
      );
      expect((await signin(strict, username, 'an-operator-password').expect(200)).body.emailVerified).toBe(true);
    } finally {
      await strict.close();
    }
  });
});

describe('EMAIL_VERIFICATION=off', () => {
  it('sends no verification mail; password resets still work', async () => {
    const quiet = await startApp({ env: { SMTP_URL: mailbox.url, EMAIL_VERIFICATION: 'off' } });
    try {
      const account = await signUp(quiet, uniqueName('quiet'));
      await quiet.http().post('/api/auth/verify-email/send').send({ email: account.email }).expect(202);
      await quiet.http().post('/api/auth/forgot-password').send({ email: account.email }).expect(202);
      const mail = await mailbox.next(account.email);
      expect(mail.subject).toBe('Reset your Tokengate password');
      await outboxSettled(quiet);
      expect(mailbox.to(account.email)).toHaveLength(1);
    } finally {
      await quiet.close();
    }
  });
});

describe('limits and storage', () => {
  it('at most 3 mails per recipient and purpose per 15 minutes; further requests still get 202', async () => {
    const clock = manualClock();
    const limited = await startApp({ clock, env: { SMTP_URL: mailbox.url } });
    try {
      const user = await createUser(limited);
      for (let i = 0; i < 5; i++) await limited.http().post('/api/auth/forgot-password').send({ email: user.email }).expect(202);
      await outboxSettled(limited);
      expect(mailbox.to(user.email)).toHaveLength(3);
      clock.advance(15 * 60_000 + 1000);
      await limited.http().post('/api/auth/forgot-password').send({ email: user.email }).expect(202);
      await outboxSettled(limited);
      expect(mailbox.to(user.email)).toHaveLength(4);
    } finally {
      await limited.close();
    }
  });

  it('the tables hold hashes of the links, never a token', async () => {
    const tokens = mailbox.received.map((m) => m.token).filter((t): t is string => t !== undefined);
    expect(tokens.length).toBeGreaterThan(5);
    const hashes = await app.db.sequelize.query<{ h: string }>(`SELECT ${q('tokenHash')} AS h FROM email_tokens`, { type: QueryTypes.SELECT });
    expect(hashes.map((r) => r.h)).toEqual(expect.arrayContaining([createHash('sha256').update(tokens[0]!).digest('hex')]));
    for (const table of ['email_tokens', 'mail_outbox', 'audit_events', 'users']) {
      const dump = JSON.stringify(await app.db.sequelize.query(`SELECT * FROM ${q(table)}`, { type: QueryTypes.SELECT }));
      for (const token of tokens) expect(dump).not.toContain(token);
    }
  });
});

function q(identifier: string): string {
  return app.db.sequelize.getQueryInterface().quoteIdentifier(identifier);
}
