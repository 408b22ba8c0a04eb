import { createHash } from 'node:crypto';
import { QueryTypes } from 'sequelize';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, manualClock, startApp, type TestApp, type TestUser } from '../helpers/app.js';

let app: TestApp;

beforeAll(async () => {
  app = await startApp();
});
afterAll(async () => {
  await app.close();
});

const signin = (target: TestApp, user: TestUser, userAgent = 'vitest') =>
  target.http().post('/api/auth/signin').set('User-Agent', userAgent).send({ username: user.username, password: user.password });
const refresh = (target: TestApp, refreshToken: unknown) =>
  target.http().post('/api/auth/refreshtoken').send({ refreshToken });
const board = (target: TestApp, accessToken: string) => target.http().get('/api/test/user').set('x-access-token', accessToken);

/** Polls until `check` holds or 5 seconds pass; returns whether it held. */
async function within5s(check: () => Promise<boolean>): Promise<boolean> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('the refresh flow of the tutorial clients', () => {
  it('signin → expired access token (401) → refresh → retry succeeds', async () => {
    const clock = manualClock();
    const timed = await startApp({ clock, database: app.database });
    try {
      const user = await createUser(timed);
      await board(timed, user.accessToken).expect(200);
      clock.advance(16 * 60_000);
      const expired = await board(timed, user.accessToken).expect(401);
      expect(expired.body.message).toBe('Unauthorized! Access Token was expired!');

      const refreshed = await refresh(timed, user.refreshToken).expect(200);
      expect(refreshed.headers['cache-control']).toBe('no-store');
      expect(refreshed.body).toEqual({
        accessToken: expect.any(String),
        refreshToken: expect.any(String),
        tokenType: 'Bearer',
        expiresIn: 900,
      });
      await board(timed, refreshed.body.accessToken).expect(200);
    } finally {
      await timed.close();
    }
  });

  it.each([
    ['no refreshToken', {}, 'Refresh Token is required!'],
    ['a null refreshToken', { refreshToken: null }, 'Refresh Token is required!'],
    ['an unknown refreshToken', { refreshToken: 'AAAAAAAAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB' }, 'Refresh token is not in database!'],
    ['garbage', { refreshToken: 'garbage' }, 'Refresh token is not in database!'],
    ['a number', { refreshToken: 42 }, 'refreshToken must be a string.'],
  ])('%s → 403 "%s" (never 401)', async (_name, body, message) => {
    const res = await app.http().post('/api/auth/refreshtoken').send(body);
    expect(res.status).toBe(403);
    expect(res.body.message).toBe(message);
  });

  it('answers 403 "Refresh token was expired…" after the idle lifetime', async () => {
    const clock = manualClock();
    const timed = await startApp({ clock, database: app.database, env: { REFRESH_TOKEN_TTL: '60s' } });
    try {
      const user = await createUser(timed);
      clock.advance(61_000);
      const res = await refresh(timed, user.refreshToken).expect(403);
      expect(res.body).toEqual({
        message: 'Refresh token was expired. Please make a new signin request',
        code: 'REFRESH_TOKEN_EXPIRED',
      });
    } finally {
      await timed.close();
    }
  });

  it('ends an active session at its absolute lifetime', async () => {
    const clock = manualClock();
    const timed = await startApp({
      clock,
      database: app.database,
      env: { REFRESH_TOKEN_TTL: '60s', SESSION_MAX_AGE: '150s' },
    });
    try {
      const user = await createUser(timed);
      let token = user.refreshToken;
      for (let i = 0; i < 2; i++) {
        clock.advance(50_000);
        token = (await refresh(timed, token).expect(200)).body.refreshToken;
      }
      clock.advance(51_000);
      const res = await refresh(timed, token).expect(403);
      expect(res.body.code).toBe('REFRESH_TOKEN_EXPIRED');
    } finally {
      await timed.close();
    }
  });
});

describe('rotation', () => {
  it('gives a new refresh token each time; reusing an old one ends the session, successor included', async () => {
    const user = await createUser(app);
    const first = await refresh(app, user.refreshToken).expect(200);
    expect(first.body.refreshToken).not.toBe(user.refreshToken);
    const second = await refresh(app, first.body.refreshToken).expect(200);
    await board(app, second.body.accessToken).expect(200);

    const replay = await refresh(app, user.refreshToken).expect(403);
    expect(replay.body.code).toBe('REFRESH_TOKEN_REUSED');
    const successor = await refresh(app, second.body.refreshToken).expect(403);
    expect(successor.body.code).toBe('REFRESH_TOKEN_REVOKED');
    const access = await board(app, second.body.accessToken).expect(401);
    expect(access.body.message).toBe('Unauthorized!');
  });

  it('with REFRESH_TOKEN_ROTATION=false, keeps the token, as the tutorial clients expect', async () => {
    const stable = await startApp({ database: app.database, env: { REFRESH_TOKEN_ROTATION: 'false' } });
    try {
      const user = await createUser(stable);
      for (let i = 0; i < 3; i++) {
        const res = await refresh(stable, user.refreshToken).expect(200);
        expect(res.body.refreshToken).toBe(user.refreshToken);
        await board(stable, res.body.accessToken).expect(200);
      }
    } finally {
      await stable.close();
    }
  });

  it('writes the last use only when it moves the idle expiry by more than 1 % of REFRESH_TOKEN_TTL, with rotation on and off', async () => {
    for (const rotation of ['true', 'false']) {
      const clock = manualClock();
      const timed = await startApp({ clock, database: app.database, env: { REFRESH_TOKEN_TTL: '60s', REFRESH_TOKEN_ROTATION: rotation } });
      try {
        const q = (name: string) => timed.db.sequelize.getQueryInterface().quoteIdentifier(name);
        const lastUsed = async (userId: number) => {
          const [row] = await timed.db.sequelize.query<{ lastUsedAt: unknown }>(
            `SELECT ${q('lastUsedAt')} FROM ${q('sessions')} WHERE ${q('userId')} = $1`,
            { bind: [userId], type: QueryTypes.SELECT },
          );
          return new Date(row!.lastUsedAt instanceof Date ? row!.lastUsedAt : String(row!.lastUsedAt)).getTime();
        };
        const user = await createUser(timed);
        const signedIn = await lastUsed(user.id);
        // 0.5 s later: 1 % of 60 s is 0.6 s, so the refresh writes nothing to the session.
        clock.advance(500);
        let token = (await refresh(timed, user.refreshToken).expect(200)).body.refreshToken;
        expect(await lastUsed(user.id)).toBe(signedIn);
        // 40 s later it does, and the session lives on past the first idle expiry.
        clock.advance(40_000);
        token = (await refresh(timed, token).expect(200)).body.refreshToken;
        expect(await lastUsed(user.id)).toBe(signedIn + 40_500);
        clock.advance(40_000);
        await refresh(timed, token).expect(200);
      } finally {
        await timed.close();
      }
    }
  });

  /** Refresh tokens of the user's sessions that are still live (not exchanged, session not ended). */
  async function liveTokens(target: TestApp, userId: number): Promise<number> {
    const q = (name: string) => target.db.sequelize.getQueryInterface().quoteIdentifier(name);
    const rows = await target.db.sequelize.query<{ n: number }>(
      `SELECT COUNT(*) AS n FROM refresh_tokens t JOIN sessions s ON s.id = t.${q('sessionId')}
       WHERE s.${q('userId')} = :userId AND t.${q('rotatedAt')} IS NULL AND s.${q('revokedAt')} IS NULL`,
      { replacements: { userId }, type: QueryTypes.SELECT },
    );
    return Number(rows[0]!.n);
  }

  it('parallel refreshes of one token on two instances all succeed with the same successor, and leave one live token', async () => {
    const other = await startApp({ database: app.database });
    try {
      const user = await createUser(app);
      const responses = await Promise.all(
        Array.from({ length: 10 }, (_, i) => refresh(i % 2 ? other : app, user.refreshToken)),
      );
      expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
      const successors = new Set(responses.map((r) => r.body.refreshToken as string));
      expect(successors.size).toBe(1);
      expect(await liveTokens(app, user.id)).toBe(1);
      for (const res of responses) await board(app, res.body.accessToken).expect(200);
      // The one successor carries the session on, on either instance.
      await refresh(other, [...successors][0]).expect(200);
    } finally {
      await other.close();
    }
  });

  it('a rotated token presented after REFRESH_TOKEN_REUSE_INTERVAL still ends the session', async () => {
    const clock = manualClock();
    const timed = await startApp({ clock, database: app.database, env: { REFRESH_TOKEN_REUSE_INTERVAL: '10s' } });
    try {
      const user = await createUser(timed);
      const next = await refresh(timed, user.refreshToken).expect(200);
      clock.advance(9_000);
      expect((await refresh(timed, user.refreshToken).expect(200)).body.refreshToken).toBe(next.body.refreshToken);
      clock.advance(2_000);
      expect((await refresh(timed, user.refreshToken).expect(403)).body.code).toBe('REFRESH_TOKEN_REUSED');
      expect((await refresh(timed, next.body.refreshToken).expect(403)).body.code).toBe('REFRESH_TOKEN_REVOKED');
      await board(timed, next.body.accessToken).expect(401);
    } finally {
      await timed.close();
    }
  });

  it('with REFRESH_TOKEN_REUSE_INTERVAL=0, parallel refreshes have one winner, and the reuse ends the session', async () => {
    const strict = await startApp({ database: app.database, env: { REFRESH_TOKEN_REUSE_INTERVAL: '0' } });
    try {
      const user = await createUser(strict);
      const responses = await Promise.all(Array.from({ length: 10 }, () => refresh(strict, user.refreshToken)));
      const statuses = responses.map((r) => r.status);
      expect(statuses.every((s) => s === 200 || s === 403)).toBe(true);
      const winners = responses.filter((r) => r.status === 200);
      expect(winners).toHaveLength(1);
      await refresh(strict, winners[0]!.body.refreshToken).expect(403);
      expect(await liveTokens(strict, user.id)).toBe(0);
    } finally {
      await strict.close();
    }
  });
});

describe('the database holds no raw refresh token', () => {
  it('stores only the SHA-256 of the secret', async () => {
    const user = await createUser(app);
    const [id, secret] = user.refreshToken.split('.') as [string, string];
    const tables = ['refresh_tokens', 'sessions', 'revocations'];
    for (const table of tables) {
      const rows = await app.db.sequelize.query<Record<string, unknown>>(`SELECT * FROM ${table}`, { type: QueryTypes.SELECT });
      const dump = JSON.stringify(rows);
      expect(dump).not.toContain(secret);
      expect(dump).not.toContain(user.refreshToken);
    }
    const [row] = await app.db.sequelize.query<{ secretHash: string }>(
      `SELECT * FROM refresh_tokens WHERE id = :id`,
      { replacements: { id }, type: QueryTypes.SELECT },
    );
    expect(row!.secretHash).toBe(createHash('sha256').update(secret).digest('hex'));
  });
});

describe('signout and session management', () => {
  it('signout with the refresh token ends that session: its access token gets 401, its refresh 403', async () => {
    const user = await createUser(app);
    const other = (await signin(app, user).expect(200)).body;
    const res = await app.http().post('/api/auth/signout').send({ refreshToken: user.refreshToken }).expect(200);
    expect(res.body).toEqual({ message: "You've been signed out!" });
    await board(app, user.accessToken).expect(401);
    expect((await refresh(app, user.refreshToken).expect(403)).body.code).toBe('REFRESH_TOKEN_REVOKED');
    await board(app, other.accessToken).expect(200);
  });

  it('signout with only the access token ends its session', async () => {
    const user = await createUser(app);
    await app.http().post('/api/auth/signout').set('Authorization', `Bearer ${user.accessToken}`).expect(200);
    await board(app, user.accessToken).expect(401);
    await refresh(app, user.refreshToken).expect(403);
  });

  it('signout without anything still answers 200', async () => {
    await app.http().post('/api/auth/signout').expect(200);
  });

  it('signout {"all": true} ends every session of the user', async () => {
    const user = await createUser(app);
    const second = (await signin(app, user).expect(200)).body;
    const bystander = await createUser(app);
    await app.http().post('/api/auth/signout').set('x-access-token', user.accessToken).send({ all: true }).expect(200);
    await board(app, user.accessToken).expect(401);
    await board(app, second.accessToken).expect(401);
    await refresh(app, second.refreshToken).expect(403);
    await board(app, bystander.accessToken).expect(200);
  });

  it('GET /api/auth/sessions lists the caller’s sessions and marks the current one', async () => {
    const user = await createUser(app);
    const laptop = (await signin(app, user, 'Laptop Browser').expect(200)).body;
    const res = await app.http().get('/api/auth/sessions').set('x-access-token', laptop.accessToken).expect(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body.sessions).toHaveLength(2);
    const current = res.body.sessions.filter((s: { current: boolean }) => s.current);
    expect(current).toHaveLength(1);
    expect(current[0]).toMatchObject({ userAgent: 'Laptop Browser', ip: expect.any(String), createdAt: expect.any(String) });
    expect(JSON.stringify(res.body)).not.toContain(laptop.refreshToken.split('.')[1]);
  });

  it('DELETE /api/auth/sessions/:id ends one of the caller’s sessions; another user’s gets 404', async () => {
    const user = await createUser(app);
    const phone = (await signin(app, user, 'Phone').expect(200)).body;
    const list = await app.http().get('/api/auth/sessions').set('x-access-token', user.accessToken).expect(200);
    const phoneSession = list.body.sessions.find((s: { userAgent: string }) => s.userAgent === 'Phone');

    const stranger = await createUser(app);
    const denied = await app.http().delete(`/api/auth/sessions/${phoneSession.id}`).set('x-access-token', stranger.accessToken);
    expect(denied.status).toBe(404);
    expect(denied.body.code).toBe('SESSION_NOT_FOUND');
    await board(app, phone.accessToken).expect(200);

    await app.http().delete(`/api/auth/sessions/${phoneSession.id}`).set('x-access-token', user.accessToken).expect(200);
    await board(app, phone.accessToken).expect(401);
    await board(app, user.accessToken).expect(200);
    await app.http().delete('/api/auth/sessions/no-such-session').set('x-access-token', user.accessToken).expect(404);
  });

  it('session endpoints need an access token', async () => {
    await app.http().get('/api/auth/sessions').expect(403);
    await app.http().delete('/api/auth/sessions/x').expect(403);
    await app.http().get('/api/auth/sessions').set('x-access-token', 'bad').expect(401);
  });
});

describe('revocation reaches every instance within 5 seconds', () => {
  let other: TestApp;
  beforeAll(async () => {
    other = await startApp({ database: app.database });
  });
  afterAll(async () => {
    await other.close();
  });

  const refusedOnOther = (token: string) => within5s(async () => (await board(other, token)).status === 401);

  it('after signout on the first instance', async () => {
    const user = await createUser(app);
    await board(other, user.accessToken).expect(200);
    await app.http().post('/api/auth/signout').send({ refreshToken: user.refreshToken }).expect(200);
    expect(await refusedOnOther(user.accessToken)).toBe(true);
  });

  it('after signout-all', async () => {
    const user = await createUser(app);
    const second = (await signin(app, user).expect(200)).body;
    await board(other, second.accessToken).expect(200);
    await app.http().post('/api/auth/signout').set('x-access-token', user.accessToken).send({ all: 'true' }).type('form').expect(200);
    expect(await refusedOnOther(user.accessToken)).toBe(true);
    expect(await refusedOnOther(second.accessToken)).toBe(true);
  });

  it('after DELETE /api/auth/sessions/:id', async () => {
    const user = await createUser(app);
    const tablet = (await signin(app, user, 'Tablet').expect(200)).body;
    await board(other, tablet.accessToken).expect(200);
    const list = await app.http().get('/api/auth/sessions').set('x-access-token', user.accessToken);
    const id = list.body.sessions.find((s: { userAgent: string }) => s.userAgent === 'Tablet').id;
    await app.http().delete(`/api/auth/sessions/${id}`).set('x-access-token', user.accessToken).expect(200);
    expect(await refusedOnOther(tablet.accessToken)).toBe(true);
    await board(other, user.accessToken).expect(200);
  });
});

describe('cookie transport (COOKIE_TRANSPORT=true)', () => {
  it('signin, a protected call, refresh and signout work with cookies alone', async () => {
    const cookieApp = await startApp({ database: app.database, env: { COOKIE_TRANSPORT: 'true' } });
    try {
      const user = await createUser(app);
      const agent = request.agent(cookieApp.url);

      const login = await agent.post('/api/auth/signin').send({ username: user.username, password: user.password }).expect(200);
      expect(login.body).not.toHaveProperty('accessToken');
      expect(login.body).not.toHaveProperty('refreshToken');
      expect(login.body).not.toHaveProperty('tokenType');
      expect(login.body).toMatchObject({ id: user.id, username: user.username, roles: ['ROLE_USER'] });
      const cookies = ([] as string[]).concat(login.headers['set-cookie'] ?? []);
      const access = cookies.find((c) => c.startsWith('tg_access='));
      const refreshCookie = cookies.find((c) => c.startsWith('tg_refresh='));
      expect(access).toMatch(/HttpOnly/);
      expect(access).toMatch(/SameSite=Strict/);
      expect(access).toMatch(/Path=\//);
      expect(refreshCookie).toMatch(/HttpOnly/);
      expect(refreshCookie).toMatch(/Path=\/api\/auth/);

      await agent.get('/api/test/user').expect(200);
      const refreshed = await agent.post('/api/auth/refreshtoken').expect(200);
      expect(refreshed.body).not.toHaveProperty('refreshToken');
      expect(([] as string[]).concat(refreshed.headers['set-cookie'] ?? []).some((c) => c.startsWith('tg_refresh='))).toBe(true);
      await agent.get('/api/test/user').expect(200);

      const oldAccessCookie = ([] as string[]).concat(refreshed.headers['set-cookie'] ?? []).find((c) => c.startsWith('tg_access='))!.split(';')[0]!;
      const out = await agent.post('/api/auth/signout').expect(200);
      expect(([] as string[]).concat(out.headers['set-cookie'] ?? []).join()).toMatch(/tg_access=;.*Expires=Thu, 01 Jan 1970/);
      await agent.get('/api/test/user').expect(403);
      // The cookie from before signout no longer works, even when replayed.
      await cookieApp.http().get('/api/test/user').set('Cookie', oldAccessCookie).expect(401);
    } finally {
      await cookieApp.close();
    }
  });

  it('answers CORS preflights from the listed origin with credentials', async () => {
    const res = await app
      .http()
      .options('/api/auth/refreshtoken')
      .set('Origin', 'http://localhost:8081')
      .set('Access-Control-Request-Method', 'POST');
    expect(res.headers['access-control-allow-credentials']).toBe('true');
  });
});

describe('housekeeping', () => {
  it('purges ended and expired sessions and keeps active ones', async () => {
    const clock = manualClock();
    const timed = await startApp({ clock, env: { REFRESH_TOKEN_TTL: '60s' } });
    try {
      const ended = await createUser(timed);
      await timed.http().post('/api/auth/signout').send({ refreshToken: ended.refreshToken }).expect(200);
      const idle = await createUser(timed);
      clock.advance(61_000);
      const active = await createUser(timed);

      const purged = await timed.services.sessions.purge();
      expect(purged.sessions).toBe(2);
      await refresh(timed, idle.refreshToken).expect(403);
      await refresh(timed, active.refreshToken).expect(200);
    } finally {
      await timed.close();
    }
  });

  it('a user deleted with plain SQL cannot refresh, and the server keeps serving', async () => {
    const user = await createUser(app);
    // The foreign keys cascade to the user's roles, sessions and refresh tokens.
    await app.db.sequelize.getQueryInterface().bulkDelete('users', { id: user.id });
    const res = await refresh(app, user.refreshToken).expect(403);
    expect(res.body.message).toBe('Refresh token is not in database!');
    await app.http().get('/api/test/all').expect(200);
  });
});
