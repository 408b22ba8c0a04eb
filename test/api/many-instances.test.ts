import { QueryTypes } from 'sequelize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, manualClock, startApp, uniqueName, type TestApp, type TestUser } from '../helpers/app.js';
import { outboxSettled } from '../helpers/mail.js';
import { startMailbox, type Mailbox } from '../helpers/mailbox.js';

/*
 * Two Tokengate instances on one database, each running every background job (DESIGN.md
 * section 13): what must happen once happens once (a key rotation, each message), and what runs
 * everywhere (purges, the revocation poll, the account check) corrupts nothing. The jobs are
 * also called directly, on both instances at once, so that they really overlap.
 */

const DAY_MS = 24 * 3600 * 1000;
const clock = manualClock();
let mailbox: Mailbox;
let a: TestApp;
let b: TestApp;

beforeAll(async () => {
  mailbox = await startMailbox();
  const env = { SMTP_URL: mailbox.url, KEY_ROTATION_INTERVAL: '1d' };
  a = await startApp({ clock, env });
  b = await startApp({ clock, env, database: a.database, mailTiming: { pollMs: 20 } });
});
afterAll(async () => {
  await b?.close();
  await a?.close();
  await mailbox?.stop();
});

const count = async (sql: string) =>
  Number((await a.db.sequelize.query<{ n: number | string }>(sql, { type: QueryTypes.SELECT }))[0]?.n);
const endedSessionsSql = () =>
  `SELECT COUNT(*) AS n FROM sessions WHERE ${a.db.sequelize.getQueryInterface().quoteIdentifier('revokedAt')} IS NOT NULL`;
const protectedCall = (app: TestApp, user: Pick<TestUser, 'accessToken'>) =>
  app.http().get('/api/test/user').set('x-access-token', user.accessToken);

/** Runs `job` on both instances, twice each, all at once. */
async function everywhere<T>(job: (app: TestApp) => Promise<T>): Promise<T[]> {
  return Promise.all([job(a), job(b), job(a), job(b)]);
}

describe('two instances on one database', () => {
  it('send each queued mail exactly once', async () => {
    const accounts = Array.from({ length: 10 }, (_, i) => ({ i, username: uniqueName('mail') }));
    await Promise.all(
      accounts.map(({ i, username }) =>
        (i % 2 ? a : b)
          .http()
          .post('/api/auth/signup')
          .send({ username, email: `${username}@example.test`, password: `pw-${username}-secret` })
          .expect(200),
      ),
    );
    await everywhere((app) => app.services.mail.deliver());
    await outboxSettled(a);
    for (const { username } of accounts) {
      await mailbox.next(`${username}@example.test`);
      expect(mailbox.to(`${username}@example.test`)).toHaveLength(1);
    }
    expect(await count(`SELECT COUNT(*) AS n FROM mail_outbox WHERE status <> 'sent'`)).toBe(0);
  });

  it('a signout on one is honoured by the other after its revocation poll; overlapping polls agree', async () => {
    const user = await createUser(a);
    await protectedCall(b, user).expect(200);
    await a.http().post('/api/auth/signout').set('x-access-token', user.accessToken).expect(200);
    await everywhere((app) => app.services.revocations.poll());
    await protectedCall(a, user).expect(401);
    await protectedCall(b, user).expect(401);
  });

  it('an account deleted on one stops working on the other after its account check', async () => {
    const admin = await createUser(a, ['admin']);
    const user = await createUser(a);
    await protectedCall(b, user).expect(200);
    await a.http().delete(`/api/admin/users/${user.id}`).set('x-access-token', admin.accessToken).expect(200);
    await everywhere((app) => app.services.accounts.check());
    await protectedCall(b, user).expect(401);
    await protectedCall(b, admin).expect(200);
  });

  it('purges on both at once remove ended sessions only, and what lives keeps working', async () => {
    const live = await Promise.all(Array.from({ length: 4 }, () => createUser(a)));
    const ended = await Promise.all(Array.from({ length: 6 }, () => createUser(b)));
    await Promise.all(ended.map((u, i) => (i % 2 ? a : b).http().post('/api/auth/signout').set('x-access-token', u.accessToken).expect(200)));
    const endedBefore = await count(endedSessionsSql());
    expect(endedBefore).toBeGreaterThanOrEqual(ended.length);

    const results = await everywhere((app) => app.services.sessions.purge());
    expect(results.reduce((sum, r) => sum + r.sessions, 0)).toBe(endedBefore);
    await everywhere((app) => Promise.all([app.services.mail.purge(), app.services.emails.purge(), app.services.auth.purgeMfaChallenges()]));

    expect(await count(endedSessionsSql())).toBe(0);
    for (const [i, user] of live.entries()) {
      await protectedCall(i % 2 ? a : b, user).expect(200);
      await (i % 2 ? b : a).http().post('/api/auth/refreshtoken').send({ refreshToken: user.refreshToken }).expect(200);
    }
  });

  it('rotate the signing key once when it is due, and both sign with the new key', async () => {
    expect(await count('SELECT COUNT(*) AS n FROM signing_keys')).toBe(1);
    clock.advance(DAY_MS + 60_000);
    await everywhere((app) => app.services.keys.load());
    expect(await count('SELECT COUNT(*) AS n FROM signing_keys')).toBe(2);
    // Each has the new key, pending (published before it signs), and the same JWKS.
    const kids = async (app: TestApp) => ((await app.http().get('/.well-known/jwks.json').expect(200)).body as { keys: Array<{ kid: string }> }).keys.map((k) => k.kid);
    expect(await kids(a)).toHaveLength(2);
    expect(await kids(b)).toEqual(await kids(a));

    // Runs after the rotation add nothing while the new key is young.
    await everywhere((app) => app.services.keys.load());
    expect(await count('SELECT COUNT(*) AS n FROM signing_keys')).toBe(2);
  });
});
