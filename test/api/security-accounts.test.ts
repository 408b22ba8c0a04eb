import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { decodeProtectedHeader } from 'jose';
import { QueryTypes } from 'sequelize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPasswordHasher } from '../../src/features/passwords/password-hasher.js';
import { createUser, startApp, TEST_SECRET, uniqueName, type TestApp } from '../helpers/app.js';
import { buildTutorialDatabase } from '../helpers/tutorial-db.js';
import { createTestDatabase } from '../helpers/databases.js';

let app: TestApp;

beforeAll(async () => {
  app = await startApp();
});
afterAll(async () => {
  await app.close();
});

const signup = (username: string) =>
  app.http().post('/api/auth/signup').send({ username, email: `${uniqueName('mail')}@example.test`, password: 'a long enough password' });

describe('look-alike usernames', () => {
  it.each([
    ['a combining grapheme joiner', 'admin\u034F'],
    ['a variation selector', 'admin\uFE00'],
    ['a Mongolian free variation selector', 'admin\u180B'],
  ])('refuses %s (invisible, passes as a mark)', async (_name, username) => {
    const res = await signup(username).expect(400);
    expect(res.body.errors).toEqual([{ field: 'username', message: 'username must not contain invisible characters' }]);
  });

  it('counts a look-alike of an existing name as taken: Cyrillic letters, rn for m, 1 for l', async () => {
    const base = `modern${Math.random().toString(36).slice(2, 6)}`;
    await signup(base).expect(200);
    for (const lookalike of [base.replace('o', '\u043e'), base.replace('m', 'rn'), base.toUpperCase().replace('O', '\u041e')]) {
      const res = await signup(lookalike).expect(400);
      expect(res.body.message).toBe('Failed! Username is already in use!');
    }
    const admin = await signup(`\u0430dmin${Math.random().toString(36).slice(2, 6)}`).expect(200);
    expect(admin.body.message).toBe('User registered successfully!');
  });

  it('accounts that existed before keep their names, even when they look alike', async () => {
    const database = await createTestDatabase();
    try {
      await buildTutorialDatabase(database.url, [
        { username: 'paypal', email: 'a@example.com', password: 'password1', roles: ['user'] },
        { username: 'paypa\u0131', email: 'b@example.com', password: 'password2', roles: ['user'] },
      ]);
      const adopted = await startApp({ database });
      try {
        await adopted.http().post('/api/auth/signin').send({ username: 'paypal', password: 'password1' }).expect(200);
        await adopted.http().post('/api/auth/signin').send({ username: 'paypa\u0131', password: 'password2' }).expect(200);
        const clash = await adopted.http().post('/api/auth/signup').send({ username: 'paypa1', email: 'c@example.com', password: 'a long enough password' });
        expect(clash.body.message).toBe('Failed! Username is already in use!');
      } finally {
        await adopted.close();
      }
    } finally {
      await database.drop();
    }
  });
});

describe('adopted bcrypt hashes', () => {
  const long = `${'correct horse battery staple '.repeat(3)}!`; // 88 bytes: bcrypt reads 72
  const sameStart = `${long.slice(0, 72)}something else entirely`;

  it('a password longer than bcrypt’s 72 bytes keeps working: a sign-in with another tail does not replace it', async () => {
    const database = await createTestDatabase();
    try {
      await buildTutorialDatabase(database.url, [{ username: 'longpass', email: 'long@example.com', password: long, roles: ['user'] }]);
      const adopted = await startApp({ database });
      try {
        // bcrypt itself cannot tell these apart; the upgrade must not store the impostor's.
        await adopted.http().post('/api/auth/signin').send({ username: 'longpass', password: sameStart }).expect(200);
        await adopted.http().post('/api/auth/signin').send({ username: 'longpass', password: long }).expect(200);
        const [row] = await adopted.db.sequelize.query<{ password: string }>(`SELECT password FROM users WHERE username = 'longpass'`, {
          type: QueryTypes.SELECT,
        });
        expect(row!.password).toMatch(/^\$2[aby]\$/);
        // Once the owner sets a new password, it is argon2id.
        const session = await adopted.http().post('/api/auth/signin').send({ username: 'longpass', password: long }).expect(200);
        await adopted
          .http()
          .post('/api/users/me/password')
          .set('x-access-token', session.body.accessToken)
          .send({ currentPassword: long, newPassword: 'a new and shorter password' })
          .expect(200);
        await adopted.http().post('/api/auth/signin').send({ username: 'longpass', password: 'a new and shorter password' }).expect(200);
      } finally {
        await adopted.close();
      }
    } finally {
      await database.drop();
    }
  });

  it('while bcrypt hashes remain, an unknown user costs what a wrong password of an adopted account costs', async () => {
    const database = await createTestDatabase();
    try {
      await buildTutorialDatabase(database.url, [{ username: 'adopted', email: 'adopted@example.com', password: 'old-password', roles: ['user'] }]);
      const adopted = await startApp({ database, hasher: createPasswordHasher() });
      try {
        const modern = await createUser(adopted);
        const kinds = [
          { username: uniqueName('nobody'), password: 'some-password' },
          { username: 'adopted', password: 'some-password' },
          { username: modern.username, password: 'some-password' },
        ];
        const samples: number[][] = [[], [], []];
        for (let round = 0; round < 30; round++) {
          for (const i of [0, 1, 2].sort(() => Math.random() - 0.5)) {
            const started = performance.now();
            await adopted.http().post('/api/auth/signin').send(kinds[i]).expect(401);
            samples[i]!.push(performance.now() - started);
          }
        }
        const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;
        const typical = median(samples.flat());
        const paired = (a: number, b: number) => median(samples[a]!.map((t, round) => t - samples[b]![round]!));
        const differences = [paired(0, 1), paired(0, 2), paired(1, 2)];
        // Skipping the bcrypt compare would make the unknown user faster by a bcrypt's worth (most of a signin).
        const described = `median ${typical.toFixed(1)} ms; paired differences ${differences.map((d) => d.toFixed(1)).join(', ')} ms`;
        for (const difference of differences) expect(Math.abs(difference), described).toBeLessThan(Math.max(0.3 * typical, 5));
      } finally {
        await adopted.close();
      }
    } finally {
      await database.drop();
    }
  });
});

describe('small things', () => {
  it('the audit type filter takes "_" literally (no LIKE wildcard)', async () => {
    const admin = await createUser(app, ['admin']);
    const page = await app.http().get('/api/admin/audit?type=sign_n.').set('x-access-token', admin.accessToken).expect(200);
    expect(page.body.items).toEqual([]);
    const real = await app.http().get('/api/admin/audit?type=signin.').set('x-access-token', admin.accessToken).expect(200);
    expect(real.body.total).toBeGreaterThan(0);
  });

  it('the docs serve only the page’s own assets: no index.html, no source maps', async () => {
    await app.http().get('/api/docs/assets/swagger-ui-bundle.js').expect(200);
    await app.http().get('/api/docs/assets/index.html').expect(404);
    await app.http().get('/api/docs/assets/swagger-ui-bundle.js.map').expect(404);
    await app.http().get('/api/docs/assets/package.json').expect(404);
  });

  it('HS256 tokens carry a constant kid, no fingerprint of the secret', async () => {
    const shared = await startApp({ database: app.database, env: { JWT_ALG: 'HS256', JWT_SECRET: TEST_SECRET } });
    try {
      const user = await createUser(shared);
      const { kid } = decodeProtectedHeader(user.accessToken);
      expect(kid).toBe('hs256');
      expect(String(kid)).not.toContain(createHash('sha256').update(TEST_SECRET).digest('hex').slice(0, 6));
    } finally {
      await shared.close();
    }
  });

  it('an SQLite database file is its owner’s only (0600)', () => {
    if (app.database.dialect !== 'sqlite') return;
    const file = app.database.url.slice('sqlite:'.length);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });
});
