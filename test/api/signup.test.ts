import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, uniqueName, type TestApp } from '../helpers/app.js';

let app: TestApp;
let demo: TestApp;

beforeAll(async () => {
  app = await startApp();
  demo = await startApp({ database: app.database, env: { ALLOW_SIGNUP_ROLES: 'true' } });
});
afterAll(async () => {
  await demo.close();
  await app.close();
});

function newAccount(overrides: Record<string, unknown> = {}) {
  const username = uniqueName('signup');
  return { username, email: `${username}@example.test`, password: 'a-long-password', ...overrides };
}

describe('POST /api/auth/signup', () => {
  it('registers an account with the tutorial message, and it can sign in as ROLE_USER', async () => {
    const account = newAccount();
    const res = await app.http().post('/api/auth/signup').send(account).expect(200);
    expect(res.body).toEqual({ message: 'User registered successfully!' });

    const signin = await app.http().post('/api/auth/signin').send(account).expect(200);
    expect(signin.body.roles).toEqual(['ROLE_USER']);
  });

  it('accepts a URL-encoded form, as the tutorial server did', async () => {
    const account = newAccount();
    await app.http().post('/api/auth/signup').type('form').send(account).expect(200);
    await app.http().post('/api/auth/signin').type('form').send(account).expect(200);
  });

  it('answers 400 "Failed! Username is already in use!", also for another case or width of the name', async () => {
    const account = newAccount();
    await app.http().post('/api/auth/signup').send(account).expect(200);
    for (const username of [account.username, account.username.toUpperCase(), toFullWidth(account.username)]) {
      const res = await app
        .http()
        .post('/api/auth/signup')
        .send(newAccount({ username }))
        .expect(400);
      expect(res.body).toMatchObject({ message: 'Failed! Username is already in use!', code: 'USERNAME_TAKEN' });
    }
  });

  it('answers 400 "Failed! Email is already in use!", ignoring the case of the email', async () => {
    const account = newAccount();
    await app.http().post('/api/auth/signup').send(account).expect(200);
    const res = await app
      .http()
      .post('/api/auth/signup')
      .send(newAccount({ email: account.email.toUpperCase() }))
      .expect(400);
    expect(res.body).toMatchObject({ message: 'Failed! Email is already in use!', code: 'EMAIL_TAKEN' });
  });

  it('answers 400 "Failed! Role does not exist = <name>" for an unknown role', async () => {
    const res = await app
      .http()
      .post('/api/auth/signup')
      .send(newAccount({ roles: ['user', 'superhero'] }))
      .expect(400);
    expect(res.body).toMatchObject({ message: 'Failed! Role does not exist = superhero', code: 'ROLE_NOT_FOUND' });
  });

  it('refuses roles above user with 403 unless ALLOW_SIGNUP_ROLES=true, and stores nothing', async () => {
    for (const roles of [['admin'], ['moderator', 'user'], 'admin']) {
      const account = newAccount({ roles });
      const res = await app.http().post('/api/auth/signup').send(account).expect(403);
      expect(res.body.code).toBe('SIGNUP_ROLE_FORBIDDEN');
      expect(res.body.message).toMatch(/ALLOW_SIGNUP_ROLES/);
      await app.http().post('/api/auth/signin').send(account).expect(401);
    }
    const allowed = await app.http().post('/api/auth/signup').send(newAccount({ roles: ['user'] }));
    expect(allowed.status).toBe(200);
  });

  it('grants the requested roles in demo mode (ALLOW_SIGNUP_ROLES=true)', async () => {
    const account = newAccount({ roles: ['moderator', 'user'] });
    await demo.http().post('/api/auth/signup').send(account).expect(200);
    const signin = await demo.http().post('/api/auth/signin').send(account).expect(200);
    expect(signin.body.roles).toEqual(['ROLE_USER', 'ROLE_MODERATOR']);
  });

  it('lets exactly one of 20 parallel signups of one username through, and no request fails with 500', async () => {
    const username = uniqueName('race');
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        app
          .http()
          .post('/api/auth/signup')
          .send({ username, email: `${username}.${i}@example.test`, password: 'a-long-password' }),
      ),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 400)).toHaveLength(19);
    for (const r of responses.filter((x) => x.status === 400)) {
      expect(r.body.message).toBe('Failed! Username is already in use!');
    }
  });

  it('lets exactly one of 10 parallel signups of one email through', async () => {
    const email = `${uniqueName('race')}@example.test`;
    const responses = await Promise.all(
      Array.from({ length: 10 }, () =>
        app.http().post('/api/auth/signup').send(newAccount({ email })),
      ),
    );
    expect(responses.filter((r) => r.status === 200)).toHaveLength(1);
    expect(responses.filter((r) => r.status === 400 && r.body.code === 'EMAIL_TAKEN')).toHaveLength(9);
  });
});

describe('signup validation: every violation is a 400 naming the field', () => {
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['missing username', { username: undefined }, 'username is required'],
    ['short username', { username: 'ab' }, 'username must be 3 to 32 characters'],
    ['long username', { username: 'a'.repeat(33) }, 'username must be 3 to 32 characters'],
    ['username with a space', { username: 'bad name' }, 'username may contain only'],
    ['username with a zero-width space', { username: 'bad\u200bname' }, 'username may contain only'],
    ['username with a right-to-left override', { username: 'bad\u202ename' }, 'username may contain only'],
    ['username starting with a dot', { username: '.hidden' }, 'username may contain only'],
    ['missing email', { email: undefined }, 'email is required'],
    ['malformed email', { email: 'not-an-email' }, 'email must be a valid email address'],
    ['missing password', { password: undefined }, 'password is required'],
    ['short password', { password: 'seven77' }, 'password must be 8 to 128 characters'],
    ['long password', { password: 'p'.repeat(129) }, 'password must be 8 to 128 characters'],
    ['array as username', { username: ['admin'] }, 'username must be a string'],
    ['object as password', { password: { $gt: '' } }, 'password must be a string'],
    ['number as email', { email: 42 }, 'email must be a string'],
    ['object as roles', { roles: { admin: true } }, 'roles must be an array of role names'],
    ['numbers as roles', { roles: [1, 2] }, 'roles must be an array of role names'],
  ];

  it.each(cases)('%s', async (_name, overrides, message) => {
    const account = newAccount(overrides);
    const res = await app.http().post('/api/auth/signup').send(account).expect(400);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.message).toContain(message);
    const field = Object.keys(overrides)[0];
    const fields = (res.body.errors as { field: string }[]).map((e) => e.field.split('.')[0]);
    expect(fields).toContain(field);
  });

  it('accepts usernames in other scripts, stored in NFKC form', async () => {
    const account = newAccount({ username: `Zoë_${Date.now().toString(36)}` });
    await app.http().post('/api/auth/signup').send(account).expect(200);
    await app.http().post('/api/auth/signin').send(account).expect(200);
  });
});

function toFullWidth(text: string): string {
  return [...text]
    .map((c) => (/[!-~]/.test(c) ? String.fromCodePoint(c.codePointAt(0)! + 0xfee0) : c))
    .join('');
}
