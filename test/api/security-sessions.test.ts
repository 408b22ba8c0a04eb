import { QueryTypes } from 'sequelize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, manualClock, startApp, type TestApp, type TestUser } from '../helpers/app.js';

let app: TestApp;

beforeAll(async () => {
  app = await startApp();
});
afterAll(async () => {
  await app.close();
});

const signin = (target: TestApp, user: Pick<TestUser, 'username' | 'password'>) =>
  target.http().post('/api/auth/signin').send({ username: user.username, password: user.password });
const board = (target: TestApp, token: string, path = '/api/test/user') => target.http().get(path).set('x-access-token', token);

describe('revocations outlive every token they revoke, whatever ACCESS_TOKEN_TTL says', () => {
  it('an admin token issued under a 10-minute TTL stays refused after a demotion on an instance with a 30 s TTL', async () => {
    const clock = manualClock();
    const long = await startApp({ clock, env: { ACCESS_TOKEN_TTL: '10m' } });
    const short = await startApp({ clock, database: long.database, env: { ACCESS_TOKEN_TTL: '30s' } });
    try {
      const boss = await createUser(long, ['admin']);
      const demoted = await createUser(long, ['admin']);
      await board(long, demoted.accessToken, '/api/test/admin').expect(200);
      await short.http().patch(`/api/admin/users/${demoted.id}`).set('x-access-token', boss.accessToken).send({ roles: ['user'] }).expect(200);
      await board(short, demoted.accessToken, '/api/test/admin').expect(401);
      await long.services.revocations.poll();
      await board(long, demoted.accessToken, '/api/test/admin').expect(401);

      // 47 s later the revocation that lived for "30 s + a margin" was gone, and the token worked again.
      clock.advance(47_000);
      for (const instance of [short, long]) {
        await instance.services.sessions.purge();
        await instance.services.revocations.poll();
        await board(instance, demoted.accessToken, '/api/test/admin').expect(401);
        await instance.http().get('/api/admin/users').set('x-access-token', demoted.accessToken).expect(401);
      }
      // A third instance started now, that never saw the demotion happen, refuses it too.
      const late = await startApp({ clock, database: long.database, env: { ACCESS_TOKEN_TTL: '30s' } });
      try {
        await board(late, demoted.accessToken, '/api/test/admin').expect(401);
      } finally {
        await late.close();
      }
    } finally {
      await short.close();
      await long.close();
    }
  });
});

describe('the password-change route resists guessing', () => {
  it('wrong current passwords from the user’s usual address are throttled, limited per address, and audited', async () => {
    const guarded = await startApp({ database: app.database, env: { ACCOUNT_THROTTLE_AFTER: '5', RATE_LIMIT_IP_FAILURES: '8' } });
    try {
      const victim = await createUser(guarded);
      // The address has signed in to the account (so the signin throttle would let it through).
      await signin(guarded, victim).expect(200);
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) {
        const res = await guarded
          .http()
          .post('/api/users/me/password')
          .set('x-access-token', victim.accessToken)
          .send({ currentPassword: `guess-${i}`, newPassword: 'a brand new password' });
        statuses.push(res.status);
      }
      expect(statuses.slice(0, 5)).toEqual(Array(5).fill(400));
      expect(statuses.slice(5).every((s) => s === 429)).toBe(true);
      const rows = await guarded.db.sequelize.query<{ type: string }>(
        'SELECT type FROM audit_events WHERE type = :type AND username = :username',
        { replacements: { type: 'user.password_check_failed', username: victim.username }, type: QueryTypes.SELECT },
      );
      expect(rows.length).toBeGreaterThanOrEqual(5);
    } finally {
      await guarded.close();
    }
  });

  it('failed checks count toward the per-address limit even when the account throttle is off', async () => {
    const limited = await startApp({ database: app.database, env: { ACCOUNT_THROTTLE_AFTER: '0', RATE_LIMIT_IP_FAILURES: '3' } });
    try {
      const victim = await createUser(limited);
      const guess = () =>
        limited.http().post('/api/users/me/password').set('x-access-token', victim.accessToken).send({ currentPassword: 'nope', newPassword: 'a brand new password' });
      for (let i = 0; i < 3; i++) await guess().expect(400);
      expect((await guess().expect(429)).body.code).toBe('RATE_LIMITED');
    } finally {
      await limited.close();
    }
  });
});

describe('signout authority', () => {
  it('a token of a session that was signed out cannot end the newer sessions with all: true', async () => {
    const user = await createUser(app);
    await app.http().post('/api/auth/signout').send({ refreshToken: user.refreshToken }).expect(200);
    const newer = (await signin(app, user).expect(200)).body;
    await app.http().post('/api/auth/signout').set('x-access-token', user.accessToken).send({ all: true }).expect(200);
    await board(app, newer.accessToken).expect(200);
    await app.http().post('/api/auth/refreshtoken').send({ refreshToken: newer.refreshToken }).expect(200);
  });

  it('an expired token, after a password change, cannot end the newer sessions; a live one can', async () => {
    const clock = manualClock();
    const timed = await startApp({ clock, database: app.database });
    try {
      const user = await createUser(timed);
      clock.advance(16 * 60_000);
      const fresh = (await signin(timed, user).expect(200)).body;
      await timed
        .http()
        .post('/api/users/me/password')
        .set('x-access-token', fresh.accessToken)
        .send({ currentPassword: user.password, newPassword: `${user.password}-changed` })
        .expect(200);
      await timed.http().post('/api/auth/signout').set('x-access-token', user.accessToken).send({ all: true }).expect(200);
      await board(timed, fresh.accessToken).expect(200);

      // An exchanged refresh token is dead too; the live access token of the session may end all.
      const other = (await signin(timed, { username: user.username, password: `${user.password}-changed` }).expect(200)).body;
      await timed.http().post('/api/auth/signout').set('x-access-token', fresh.accessToken).send({ all: true }).expect(200);
      await board(timed, other.accessToken).expect(401);
    } finally {
      await timed.close();
    }
  });

  it('a refresh token of an ended session cannot end the others; the live refresh token can', async () => {
    const user = await createUser(app);
    const second = (await signin(app, user).expect(200)).body;
    await app.http().post('/api/auth/signout').send({ refreshToken: user.refreshToken }).expect(200);
    await app.http().post('/api/auth/signout').send({ refreshToken: user.refreshToken, all: true }).expect(200);
    await board(app, second.accessToken).expect(200);
    await app.http().post('/api/auth/signout').send({ refreshToken: second.refreshToken, all: true }).expect(200);
    await board(app, second.accessToken).expect(401);
  });
});

describe('MAX_SESSIONS_PER_USER', () => {
  it('a new session beyond the cap ends the oldest', async () => {
    const capped = await startApp({ database: app.database, env: { MAX_SESSIONS_PER_USER: '3' } });
    try {
      const user = await createUser(capped);
      const later = [];
      for (let i = 0; i < 3; i++) later.push((await signin(capped, user).expect(200)).body);
      const listed = await capped.http().get('/api/auth/sessions').set('x-access-token', later[2].accessToken).expect(200);
      expect(listed.body.sessions).toHaveLength(3);
      await board(capped, user.accessToken).expect(401);
      await capped.http().post('/api/auth/refreshtoken').send({ refreshToken: user.refreshToken }).expect(403);
      for (const session of later) await board(capped, session.accessToken).expect(200);
    } finally {
      await capped.close();
    }
  });
});
