import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { QueryTypes } from 'sequelize';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPasswordHasher, type PasswordHasher } from '../../src/features/passwords/password-hasher.js';
import { createUser, fastHasher, manualClock, startApp, uniqueName, type TestApp, type TestUser } from '../helpers/app.js';

const signin = (app: TestApp, body: object, ip?: string) => {
  const req = app.http().post('/api/auth/signin');
  return (ip ? req.set('X-Forwarded-For', ip) : req).send(body);
};

async function auditTypes(app: TestApp, username: string): Promise<string[]> {
  const rows = await app.db.sequelize.query<{ type: string }>(
    `SELECT type FROM audit_events WHERE username = :username ORDER BY id`,
    { replacements: { username }, type: QueryTypes.SELECT },
  );
  return rows.map((r) => r.type);
}

describe('per-account signin throttle', () => {
  const clock = manualClock();
  let app: TestApp;
  let victim: TestUser;

  beforeAll(async () => {
    app = await startApp({ clock, env: { ACCOUNT_THROTTLE_AFTER: '5', TRUST_PROXY: 'true' } });
  });
  afterAll(async () => {
    await app.close();
  });

  it('429 with Retry-After after repeated failures, even from many addresses; growing waits; the owner gets in after', async () => {
    victim = await createUser(app);
    const wrong = { username: victim.username, password: 'not-the-password' };
    for (let i = 1; i <= 5; i++) await signin(app, wrong, `10.0.0.${i}`).expect(401);

    const throttled = await signin(app, wrong, '10.0.0.6').expect(429);
    expect(throttled.headers['retry-after']).toBe('1');
    expect(throttled.body).toMatchObject({ code: 'SIGNIN_THROTTLED', accessToken: null });
    expect(throttled.body.message).toMatch(/Try again in 1 second\./);
    // The right password does not get through while the account waits either.
    await signin(app, { username: victim.username, password: victim.password }, '10.0.0.7').expect(429);

    clock.advance(1_100);
    await signin(app, wrong, '10.0.0.8').expect(401);
    expect((await signin(app, wrong, '10.0.0.9').expect(429)).headers['retry-after']).toBe('2');
    clock.advance(2_100);
    await signin(app, wrong, '10.0.0.10').expect(401);
    expect((await signin(app, wrong, '10.0.0.11').expect(429)).headers['retry-after']).toBe('4');

    clock.advance(4_100);
    await signin(app, { username: victim.username, password: victim.password }, '10.0.0.12').expect(200);
    // Success resets the count.
    await signin(app, wrong, '10.0.0.13').expect(401);
    await signin(app, wrong, '10.0.0.14').expect(401);

    expect(await auditTypes(app, victim.username)).toEqual(
      expect.arrayContaining(['signin.failure', 'signin.throttled', 'signin.success']),
    );
  });

  it('never holds back an address that signed in to the account before', async () => {
    const owner = await createUser(app);
    await signin(app, { username: owner.username, password: owner.password }, '192.0.2.1').expect(200);
    for (let i = 1; i <= 6; i++) await signin(app, { username: owner.username, password: 'guess' }, `10.1.0.${i}`);
    await signin(app, { username: owner.username, password: 'guess' }, '10.1.0.99').expect(429);
    await signin(app, { username: owner.username, password: owner.password }, '192.0.2.1').expect(200);
  });

  it('throttles an unknown username exactly like an existing one', async () => {
    const ghost = uniqueName('ghost');
    for (let i = 1; i <= 5; i++) await signin(app, { username: ghost, password: 'guess' }, `10.2.0.${i}`).expect(401);
    const res = await signin(app, { username: ghost, password: 'guess' }, '10.2.0.6').expect(429);
    expect(res.headers['retry-after']).toBe('1');
  });
});

describe('per-address limits', () => {
  it('a spray of many usernames from one address gets 429 with Retry-After; signins that succeed do not count', async () => {
    const app = await startApp({ env: { RATE_LIMIT_IP_FAILURES: '5' } });
    try {
      const user = await createUser(app);
      for (let i = 0; i < 3; i++) await signin(app, { username: user.username, password: user.password }).expect(200);
      for (let i = 0; i < 5; i++) await signin(app, { username: uniqueName('spray'), password: 'Summer2024!' }).expect(401);
      const res = await signin(app, { username: uniqueName('spray'), password: 'Summer2024!' }).expect(429);
      expect(res.body.code).toBe('RATE_LIMITED');
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      expect(res.body.message).toMatch(/Too many failed signins from your address/);
    } finally {
      await app.close();
    }
  });

  it('X-Forwarded-For is ignored without TRUST_PROXY', async () => {
    const app = await startApp({ env: { RATE_LIMIT_IP_FAILURES: '3' } });
    try {
      for (let i = 1; i <= 3; i++) await signin(app, { username: uniqueName('x'), password: 'guess-guess' }, `203.0.113.${i}`).expect(401);
      await signin(app, { username: uniqueName('x'), password: 'guess-guess' }, '203.0.113.77').expect(429);
    } finally {
      await app.close();
    }
  });

  it('X-Forwarded-For counts when TRUST_PROXY trusts the proxy', async () => {
    const app = await startApp({ env: { RATE_LIMIT_IP_FAILURES: '3', TRUST_PROXY: 'loopback' } });
    try {
      for (let i = 1; i <= 3; i++) await signin(app, { username: uniqueName('x'), password: 'guess-guess' }, '203.0.113.1').expect(401);
      await signin(app, { username: uniqueName('x'), password: 'guess-guess' }, '203.0.113.1').expect(429);
      await signin(app, { username: uniqueName('x'), password: 'guess-guess' }, '203.0.113.2').expect(401);
    } finally {
      await app.close();
    }
  });

  it('every /api/auth/* request counts toward the per-address limit; the boards do not', async () => {
    const app = await startApp({ env: { RATE_LIMIT_IP: '4' } });
    try {
      for (let i = 0; i < 4; i++) await app.http().post('/api/auth/refreshtoken').send({}).expect(403);
      const res = await app.http().post('/api/auth/signup').send({}).expect(429);
      expect(res.headers['retry-after']).toBeDefined();
      await app.http().get('/api/test/all').expect(200);
    } finally {
      await app.close();
    }
  });
});

describe('with Redis, instances share the counters', () => {
  it('failures on two instances add up, for the address and for the account', async () => {
    const env = {
      REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
      REDIS_PREFIX: `tokengate-test:${randomBytes(6).toString('hex')}:`,
      RATE_LIMIT_IP_FAILURES: '8',
      ACCOUNT_THROTTLE_AFTER: '3',
    };
    const a = await startApp({ env });
    const b = await startApp({ env, database: a.database });
    try {
      // The account: 3 failures spread over both instances, then either refuses.
      const wrong = { username: uniqueName('target'), password: 'guess-guess' };
      await signin(a, wrong).expect(401);
      await signin(b, wrong).expect(401);
      await signin(a, wrong).expect(401);
      expect((await signin(b, wrong).expect(429)).body.code).toBe('SIGNIN_THROTTLED');

      // The address: those 4 refusals plus 4 more make 8 failed signins, so the 9th is limited.
      for (let i = 0; i < 4; i++) await signin(i % 2 ? a : b, { username: uniqueName('r'), password: 'guess-guess' }).expect(401);
      expect((await signin(a, { username: uniqueName('r'), password: 'guess-guess' }).expect(429)).body.code).toBe('RATE_LIMITED');
    } finally {
      await b.close();
      await a.close();
    }
  });
});

describe('bounded password hashing', () => {
  it('a signin flood beyond the bound gets fast 503s, while /api/test/all keeps answering', async () => {
    const app = await startApp({
      hasher: createPasswordHasher(),
      env: { HASH_CONCURRENCY: '1', HASH_MAX_WAIT: '0' },
    });
    try {
      const user = await createUser(app);
      const flood = Array.from({ length: 24 }, () => signin(app, { username: user.username, password: 'wrong-password' }));
      const board = Array.from({ length: 24 }, () => app.http().get('/api/test/all'));
      const [signins, boards] = await Promise.all([Promise.all(flood), Promise.all(board)]);

      const statuses = signins.map((r) => r.status);
      expect(statuses.every((s) => s === 401 || s === 503)).toBe(true);
      const busy = signins.filter((r) => r.status === 503);
      expect(busy.length).toBeGreaterThan(0);
      for (const res of busy) {
        expect(res.headers['retry-after']).toBe('1');
        expect(res.body.code).toBe('OVERLOADED');
      }
      expect(boards.every((r) => r.status === 200 && r.text === 'Public Content.')).toBe(true);
      // Capacity comes back once the flood is over.
      await signin(app, { username: user.username, password: user.password }).expect(200);
    } finally {
      await app.close();
    }
  });
});

describe('refused and shed signins do no database work', () => {
  it('counts zero SQL statements for 503s of the hash admission and for repeated 429s of the limits and the throttle', async () => {
    // A hasher whose next verify holds the only hashing slot until the test lets it go.
    let hold = false;
    let reached!: () => void;
    let release!: () => void;
    const holding = new Promise<void>((resolve) => (reached = resolve));
    const gated: PasswordHasher = {
      ...fastHasher,
      async verify(hash, password) {
        if (hold) {
          hold = false;
          await new Promise<void>((resolve) => {
            release = resolve;
            reached();
          });
        }
        return fastHasher.verify(hash, password);
      },
    };
    // No background job may query meanwhile (as in the boards' zero-SQL test).
    const app = await startApp({
      clock: manualClock(),
      hasher: gated,
      env: {
        HASH_CONCURRENCY: '1',
        HASH_MAX_WAIT: '0',
        TRUST_PROXY: 'true',
        RATE_LIMIT_IP_FAILURES: '3',
        ACCOUNT_THROTTLE_AFTER: '2',
        ACCOUNT_CHECK_INTERVAL: '0',
        REVOCATION_POLL_INTERVAL: '60s',
      },
      mailTiming: { pollMs: 3_600_000 },
    });
    let queries = 0;
    app.db.sequelize.addHook('beforeQuery', () => {
      queries += 1;
    });
    try {
      const user = await createUser(app);
      // The counter works: a signin queries the database.
      queries = 0;
      await signin(app, { username: user.username, password: user.password }, '10.9.0.1').expect(200);
      expect(queries).toBeGreaterThan(0);

      // 503: one signin holds the hashing slot; the others are shed before any lookup.
      hold = true;
      const first = signin(app, { username: user.username, password: user.password }, '10.9.0.2').then((res) => res);
      await holding;
      queries = 0;
      for (const body of [
        { username: user.username, password: user.password },
        { username: uniqueName('nobody'), password: 'some-password' },
      ]) {
        const shed = await signin(app, body, '10.9.0.3').expect(503);
        expect(shed.body.code).toBe('OVERLOADED');
      }
      expect(queries).toBe(0);
      release();
      expect((await first).status).toBe(200);

      // 429 of the account throttle: after two failures the account waits, without a lookup.
      const wrong = { username: user.username, password: 'not-the-password' };
      await signin(app, wrong, '10.9.1.1').expect(401);
      await signin(app, wrong, '10.9.1.2').expect(401);
      queries = 0;
      expect((await signin(app, wrong, '10.9.1.3').expect(429)).body.code).toBe('SIGNIN_THROTTLED');
      expect((await signin(app, wrong, '10.9.1.4').expect(429)).body.code).toBe('SIGNIN_THROTTLED');
      expect(queries).toBe(0);

      // 429 of the per-address failure limit: the first refusal of the window records one audit
      // event (ratelimit.exceeded), the ones after it nothing.
      for (let i = 0; i < 3; i++) await signin(app, { username: uniqueName('spray'), password: 'guess-guess' }, '10.9.2.1').expect(401);
      expect((await signin(app, { username: uniqueName('spray'), password: 'guess-guess' }, '10.9.2.1').expect(429)).body.code).toBe('RATE_LIMITED');
      queries = 0;
      for (let i = 0; i < 3; i++) {
        expect((await signin(app, { username: uniqueName('spray'), password: 'guess-guess' }, '10.9.2.1').expect(429)).body.code).toBe('RATE_LIMITED');
      }
      expect(queries).toBe(0);
    } finally {
      await app.close();
    }
  });
});

describe('enumeration: unknown user, wrong password and disabled account look the same', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startApp({ hasher: createPasswordHasher() });
  });
  afterAll(async () => {
    await app.close();
  });

  it('same status, body and headers, and the same time within noise (paired differences of interleaved tries)', async () => {
    const active = await createUser(app);
    const disabled = await createUser(app);
    await app.db.sequelize.getQueryInterface().bulkUpdate('users', { disabled: true }, { id: disabled.id });
    const kinds = {
      unknown: { username: uniqueName('nobody'), password: 'some-password' },
      wrongPassword: { username: active.username, password: 'some-password' },
      disabled: { username: disabled.username, password: disabled.password },
    };
    const samples: Record<string, number[]> = { unknown: [], wrongPassword: [], disabled: [] };
    const shapes = new Set<string>();
    for (let round = 0; round < 40; round++) {
      const order = Object.keys(kinds).sort(() => Math.random() - 0.5) as Array<keyof typeof kinds>;
      for (const kind of order) {
        const started = performance.now();
        const res = await signin(app, kinds[kind]);
        samples[kind]!.push(performance.now() - started);
        const headers = Object.keys(res.headers).filter((h) => !['date', 'x-request-id'].includes(h)).sort();
        shapes.add(JSON.stringify([res.status, res.text, headers, res.headers['content-length']]));
      }
    }
    expect(shapes.size).toBe(1);
    expect(JSON.parse([...shapes][0]!)[0]).toBe(401);

    const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;
    const typical = median(Object.values(samples).flat());
    // Paired by round, so that a slow moment of a busy machine (other test files run at the same
    // time) slows all three kinds of that round alike and cancels out of the differences.
    const differences = [
      ['unknown', 'wrongPassword'],
      ['unknown', 'disabled'],
      ['wrongPassword', 'disabled'],
    ].map(([a, b]) => median(samples[a!]!.map((t, round) => t - samples[b!]![round]!)));
    // A skipped hash would make one kind faster by most of a signin; the tolerance is well below that.
    const tolerance = Math.max(0.3 * typical, 5);
    const described = `median signin ${typical.toFixed(1)} ms; median paired differences ${differences.map((d) => d.toFixed(1)).join(', ')} ms`;
    for (const difference of differences) expect(Math.abs(difference), described).toBeLessThan(tolerance);
  });
});

describe('password and username rules', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startApp();
  });
  afterAll(async () => {
    await app.close();
  });

  const signup = (body: object) => app.http().post('/api/auth/signup').send(body);

  it.each(['password1', 'iloveyou1', 'qwertyuiop', 'PASSWORD1'])('refuses the common password %j', async (password) => {
    const username = uniqueName('policy');
    const res = await signup({ username, email: `${username}@example.test`, password }).expect(400);
    expect(res.body.errors).toEqual([{ field: 'password', message: expect.stringMatching(/most commonly used passwords/) }]);
  });

  it('refuses a password equal to the username or the email', async () => {
    const username = uniqueName('policy');
    const email = `${username}@example.test`;
    const same = await signup({ username, email, password: username.toUpperCase() }).expect(400);
    expect(same.body.message).toBe('password must not be the same as the username');
    const asEmail = await signup({ username, email, password: email }).expect(400);
    expect(asEmail.body.message).toBe('password must not be the same as the email');
  });

  it('needs no composition rules: a long all-lowercase passphrase is fine', async () => {
    const username = uniqueName('policy');
    await signup({ username, email: `${username}@example.test`, password: 'purple monkey dishwasher' }).expect(200);
  });

  it.each([
    ['a control character', 'bad\u0007name'],
    ['a zero-width joiner', 'bad\u200dname'],
    ['a left-to-right mark', 'bad\u200ename'],
    ['a right-to-left override', '\u202eadmin'],
  ])('refuses usernames with %s', async (_name, username) => {
    const res = await signup({ username, email: `${uniqueName('u')}@example.test`, password: 'a-long-password' }).expect(400);
    expect(res.body.errors[0].field).toBe('username');
  });
});

describe('response headers', () => {
  it('are the helmet defaults for a JSON API, without X-Powered-By', async () => {
    const app = await startApp();
    try {
      const res = await app.http().get('/api/test/all').expect(200);
      expect(res.headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none'");
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers.vary).toBe('Origin');
      expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['x-powered-by']).toBeUndefined();
      const foreign = await app.http().get('/api/test/all').set('Origin', 'https://evil.example');
      expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await app.close();
    }
  });
});

describe('logs', () => {
  it('contain no password, token, refresh token, cookie or Authorization header', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const app = await startApp({ logDestination: sink, env: { LOG_LEVEL: 'trace', COOKIE_TRANSPORT: 'true' } });
    try {
      const username = uniqueName('logged');
      const password = `secret-${randomBytes(8).toString('hex')}`;
      await app.http().post('/api/auth/signup').send({ username, email: `${username}@example.test`, password }).expect(200);
      await app.http().post('/api/auth/signin').send({ username, password: `${password}-wrong` }).expect(401);
      const agent = request.agent(app.url);
      const login = await agent.post('/api/auth/signin').send({ username, password }).expect(200);
      const cookies = ([] as string[]).concat(login.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]!.split('=')[1]!);
      await agent.get('/api/test/user').expect(200);
      await agent.get('/api/auth/sessions').set('Authorization', `Bearer ${cookies[0]}`).expect(200);
      await agent.post('/api/auth/refreshtoken').expect(200);
      await agent.post('/api/auth/signout').send({ refreshToken: cookies[1] }).expect(200);

      const log = lines.join('');
      expect(log).toContain('/api/auth/signin');
      for (const secret of [password, `${password}-wrong`, ...cookies, ...cookies.map((c) => c.split('.')[1] ?? c)]) {
        expect(log).not.toContain(secret);
      }
      expect(log).not.toMatch(/authorization|cookie/i);
    } finally {
      await app.close();
    }
  });
});
