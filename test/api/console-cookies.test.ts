import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, startApp, type TestApp, type TestUser } from '../helpers/app.js';
import { enrollTotp, mfaTokenFor, STEP_MS, stepClock } from '../helpers/mfa.js';

/*
 * The console's tokens travel in httpOnly cookies of its own, whatever COOKIE_TRANSPORT says
 * (here it is off, the default): it sends `Token-Delivery: cookie` on every call, and the cookies
 * count only on requests with that header (which CORS does not allow: no other origin's script
 * can send it). Those requests are CSRF-guarded (an Origin check). Ordinary clients see the
 * tutorial contract.
 */

const clock = stepClock();
let app: TestApp;
let user: TestUser;

beforeAll(async () => {
  app = await startApp({ clock, env: { APP_NAME: 'Acme <Login>' } });
  user = await createUser(app);
});
afterAll(async () => {
  await app.close();
});

const setCookies = (res: { headers: Record<string, unknown> }) => ([] as string[]).concat((res.headers['set-cookie'] as string[] | undefined) ?? []);
/** The Cookie header a browser would send back (every path, for simplicity). */
const cookieHeader = (res: { headers: Record<string, unknown> }) =>
  setCookies(res)
    .map((c) => c.split(';')[0]!)
    .join('; ');

const consoleSignin = (who: Pick<TestUser, 'username' | 'password'>, origin = app.url) =>
  app.http().post('/api/auth/signin').set('Token-Delivery', 'cookie').set('Origin', origin).send({ username: who.username, password: who.password });

describe('the tutorial contract for ordinary clients', () => {
  it('signin without Token-Delivery answers the tokens in the body and sets no cookie', async () => {
    const res = await app.http().post('/api/auth/signin').send({ username: user.username, password: user.password }).expect(200);
    expect(res.body.accessToken).toMatch(/^eyJ/);
    expect(res.body.refreshToken).toEqual(expect.any(String));
    expect(res.headers['set-cookie']).toBeUndefined();
  });
});

describe('Token-Delivery: cookie', () => {
  it('signin sets httpOnly, SameSite=Strict cookies under /api and answers the account without tokens', async () => {
    const res = await consoleSignin(user).expect(200);
    expect(res.body).toMatchObject({ id: user.id, username: user.username });
    expect(res.body.accessToken).toBeUndefined();
    expect(res.body.refreshToken).toBeUndefined();
    expect(JSON.stringify(res.body)).not.toMatch(/eyJ/);
    const [access, refresh] = ['tg_console_access', 'tg_console_refresh'].map((name) => setCookies(res).find((c) => c.startsWith(`${name}=`)));
    expect(access).toMatch(/^tg_console_access=eyJ[^;]+; Max-Age=\d+; Path=\/api; Expires=[^;]+; HttpOnly; SameSite=Strict$/);
    expect(refresh).toMatch(/; Path=\/api\/auth; .*HttpOnly; SameSite=Strict$/);
    // PUBLIC_URL is http here: not Secure.
    expect(access).not.toMatch(/Secure/);
  });

  it('the cookies authenticate the API with the header, and GET needs no Origin', async () => {
    const cookies = cookieHeader(await consoleSignin(user).expect(200));
    const me = await app.http().get('/api/users/me').set('Cookie', cookies).set('Token-Delivery', 'cookie').expect(200);
    expect(me.body.username).toBe(user.username);
  });

  it('without the header the cookies count for nothing: no other script spends the session or reads its tokens', async () => {
    const cookies = cookieHeader(await consoleSignin(user).expect(200));
    // A page of an origin in CORS_ORIGINS (a sibling app, same site) using the browser's cookies.
    const sibling = 'http://localhost:8081';
    const me = await app.http().get('/api/users/me').set('Cookie', cookies).set('Origin', sibling);
    expect([me.status, me.body.code]).toEqual([403, 'TOKEN_MISSING']);
    const refresh = await app.http().post('/api/auth/refreshtoken').set('Cookie', cookies).set('Origin', sibling).send({});
    expect(refresh.status).toBeGreaterThanOrEqual(400);
    expect(refresh.status).toBeLessThan(500);
    expect(JSON.stringify(refresh.body)).not.toMatch(/eyJ/);
    expect(refresh.headers['set-cookie']).toBeUndefined();
    // CORS never lets another origin send the header.
    const preflight = await app.http().options('/api/auth/refreshtoken').set('Origin', sibling).set('Access-Control-Request-Method', 'POST').set('Access-Control-Request-Headers', 'token-delivery');
    expect(String(preflight.headers['access-control-allow-headers'] ?? '').toLowerCase()).not.toContain('token-delivery');
    // The console's session is untouched: its refresh token still works, once.
    await app.http().post('/api/auth/refreshtoken').set('Cookie', cookies).set('Token-Delivery', 'cookie').set('Origin', app.url).send({}).expect(200);
  });

  it('refresh from the cookie rotates the cookies and answers no token', async () => {
    const cookies = cookieHeader(await consoleSignin(user).expect(200));
    const res = await app.http().post('/api/auth/refreshtoken').set('Cookie', cookies).set('Token-Delivery', 'cookie').set('Origin', app.url).send({}).expect(200);
    expect(res.body.accessToken).toBeUndefined();
    expect(res.body.refreshToken).toBeUndefined();
    const fresh = cookieHeader(res);
    expect(fresh).toMatch(/tg_console_access=eyJ/);
    expect(fresh).toMatch(/tg_console_refresh=/);
    await app.http().get('/api/auth/sessions').set('Cookie', fresh).set('Token-Delivery', 'cookie').expect(200);
  });

  it('signout with the cookies ends the session and clears them', async () => {
    const cookies = cookieHeader(await consoleSignin(user).expect(200));
    const res = await app.http().post('/api/auth/signout').set('Cookie', cookies).set('Token-Delivery', 'cookie').set('Origin', app.url).send({}).expect(200);
    const cleared = setCookies(res);
    expect(cleared.some((c) => /^tg_console_access=; Path=\/api; Expires=Thu, 01 Jan 1970/.test(c))).toBe(true);
    expect(cleared.some((c) => /^tg_console_refresh=; Path=\/api\/auth; Expires=Thu, 01 Jan 1970/.test(c))).toBe(true);
    const again = await app.http().post('/api/auth/refreshtoken').set('Cookie', cookies).set('Token-Delivery', 'cookie').set('Origin', app.url).send({});
    expect(again.status).toBe(403);
  });

  it('the second factor step sets the cookies too', async () => {
    const someone = await createUser(app);
    const { authenticator } = await enrollTotp(app, someone, clock);
    const mfaToken = await mfaTokenFor(app, someone);
    const res = await app
      .http()
      .post('/api/auth/mfa/verify')
      .set('Token-Delivery', 'cookie')
      .set('Origin', app.url)
      .send({ mfaToken, code: authenticator.codeAt(clock.now()) })
      .expect(200);
    clock.advance(STEP_MS);
    expect(res.body.accessToken).toBeUndefined();
    expect(cookieHeader(res)).toMatch(/tg_console_access=eyJ/);
    await app.http().get('/api/users/me').set('Cookie', cookieHeader(res)).set('Token-Delivery', 'cookie').expect(200);
  });
});

describe('CSRF: requests with the console cookies that change state', () => {
  it.each([
    ['a foreign origin', { Origin: 'http://localhost:9999' }],
    ['an opaque origin', { Origin: 'null' }],
    ['a cross-site page without Origin', { 'Sec-Fetch-Site': 'cross-site' }],
    ['a same-site page without Origin', { 'Sec-Fetch-Site': 'same-site' }],
  ])('are refused from %s (403 CSRF_REJECTED), and nothing changes', async (_name, headers) => {
    const someone = await createUser(app);
    const cookies = cookieHeader(await consoleSignin(someone).expect(200));
    const res = await app
      .http()
      .post('/api/users/me/password')
      .set('Cookie', cookies)
      .set('Token-Delivery', 'cookie')
      .set(headers)
      .send({ currentPassword: someone.password, newPassword: 'a brand new passphrase' });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('CSRF_REJECTED');
    // The old password still works.
    await app.http().post('/api/auth/signin').send({ username: someone.username, password: someone.password }).expect(200);
  });

  it('a form post from another site (which cannot add the header) is not authenticated by them at all', async () => {
    const someone = await createUser(app);
    const cookies = cookieHeader(await consoleSignin(someone).expect(200));
    const res = await app
      .http()
      .post('/api/users/me/password')
      .set('Cookie', cookies)
      .set('Origin', 'http://localhost:9999')
      .type('form')
      .send(`currentPassword=${encodeURIComponent(someone.password)}&newPassword=a+brand+new+passphrase`);
    expect([res.status, res.body.code]).toEqual([403, 'TOKEN_MISSING']);
    await app.http().post('/api/auth/signin').send({ username: someone.username, password: someone.password }).expect(200);
  });

  it('are accepted from the server’s own origin', async () => {
    const cookies = cookieHeader(await consoleSignin(user).expect(200));
    const res = await app.http().post('/api/auth/signout').set('Cookie', cookies).set('Token-Delivery', 'cookie').set('Origin', app.url).send({});
    expect(res.status).toBe(200);
  });

  it('a signin asking for the cookies from a foreign origin is refused (no login CSRF)', async () => {
    const res = await consoleSignin(user, 'http://evil.test');
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('CSRF_REJECTED');
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('a header token is not affected by the cookies (no Origin check for it)', async () => {
    const cookies = cookieHeader(await consoleSignin(user).expect(200));
    await app.http().delete('/api/auth/sessions/none').set('Cookie', cookies).set('Origin', 'http://localhost:9999').set('Authorization', `Bearer ${user.accessToken}`).expect(404);
  });
});

describe('in production', () => {
  it('the cookies are Secure even when PUBLIC_URL says http (TLS ends at a proxy)', async () => {
    const other = await startApp({ database: app.database, env: { NODE_ENV: 'production', PUBLIC_URL: 'http://id.example.test' } });
    try {
      const res = await other.http().post('/api/auth/signin').set('Token-Delivery', 'cookie').send({ username: user.username, password: user.password }).expect(200);
      for (const name of ['tg_console_access', 'tg_console_refresh']) {
        expect(setCookies(res).find((c) => c.startsWith(`${name}=`))).toMatch(/; HttpOnly; Secure; SameSite=Strict$/);
      }
    } finally {
      await other.close();
    }
  });
});

describe('PUBLIC_URL on https under a path', () => {
  it('makes the cookies Secure, under the path', async () => {
    const other = await startApp({ database: app.database, env: { PUBLIC_URL: 'https://id.example.test/auth' } });
    try {
      const res = await other
        .http()
        .post('/api/auth/signin')
        .set('Token-Delivery', 'cookie')
        .send({ username: user.username, password: user.password })
        .expect(200);
      const access = setCookies(res).find((c) => c.startsWith('tg_console_access='));
      const refresh = setCookies(res).find((c) => c.startsWith('tg_console_refresh='));
      expect(access).toMatch(/; Path=\/auth\/api; .*HttpOnly; Secure; SameSite=Strict$/);
      expect(refresh).toMatch(/; Path=\/auth\/api\/auth; .*HttpOnly; Secure; SameSite=Strict$/);
    } finally {
      await other.close();
    }
  });
});

describe('with COOKIE_TRANSPORT=true as well', () => {
  it('the console still gets its own cookies, and API clients theirs', async () => {
    const other = await startApp({ database: app.database, env: { COOKIE_TRANSPORT: 'true' } });
    try {
      const signin = (delivery?: string) => {
        const req = other.http().post('/api/auth/signin');
        if (delivery) req.set('Token-Delivery', delivery);
        return req.send({ username: user.username, password: user.password }).expect(200);
      };
      const names = (res: { headers: Record<string, unknown> }) => setCookies(res).map((c) => c.split('=')[0]).sort();
      const forConsole = await signin('cookie');
      const forApp = await signin();
      expect(names(forConsole)).toEqual(['tg_console_access', 'tg_console_refresh']);
      expect(names(forApp)).toEqual(['tg_access', 'tg_refresh']);
      // A browser holding both: each client is served by its own cookies, never by the other's.
      const someone = await createUser(other);
      const both = [cookieHeader(forConsole), cookieHeader(await other.http().post('/api/auth/signin').send({ username: someone.username, password: someone.password }).expect(200))].join('; ');
      const asConsole = await other.http().get('/api/users/me').set('Cookie', both).set('Token-Delivery', 'cookie').expect(200);
      expect(asConsole.body.username).toBe(user.username);
      const asApp = await other.http().get('/api/users/me').set('Cookie', both).expect(200);
      expect(asApp.body.username).toBe(someone.username);
      // The console's refresh rotates its own token, not the app's.
      const rotated = await other.http().post('/api/auth/refreshtoken').set('Cookie', both).set('Token-Delivery', 'cookie').set('Origin', other.url).send({}).expect(200);
      expect(names(rotated)).toEqual(['tg_console_access', 'tg_console_refresh']);
      await other.http().post('/api/auth/refreshtoken').set('Cookie', both).set('Origin', other.url).send({}).expect(200);
    } finally {
      await other.close();
    }
  });
});

describe('the console pages', () => {
  it.each(['/console/', '/console/signin', '/console/reset-password?token=abc', '/console/admin/users/3'])(
    'GET %s answers the page under a strict CSP, with APP_NAME escaped',
    async (path) => {
      const res = await app.http().get(path).expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      const csp = res.headers['content-security-policy'] as string;
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
      expect(res.text).toContain('<title>Acme &lt;Login&gt;</title>');
      expect(res.text).toContain('<base href="/console/">');
      expect(res.text).not.toMatch(/<script>|<script(?![^>]*\bsrc=)[^>]*>/);
    },
  );

  it('/console redirects to /console/', async () => {
    const res = await app.http().get('/console').expect(308);
    expect(res.headers.location).toBe('/console/');
  });

  it('serves the built script, and a missing asset is a JSON 404', async () => {
    const page = await app.http().get('/console/').expect(200);
    const script = /src="\.\/(assets\/[^"]+\.js)"/.exec(page.text)?.[1];
    expect(script).toBeDefined();
    const js = await app.http().get(`/console/${script}`).expect(200);
    expect(js.headers['content-type']).toMatch(/javascript/);
    const missing = await app.http().get('/console/assets/nothing-here.js').expect(404);
    expect(missing.body.code).toBe('NOT_FOUND');
  });
});
