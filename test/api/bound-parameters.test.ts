import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, startApp, type TestApp, type TestUser } from '../helpers/app.js';

/*
 * No SQL text is built from what a request carries: every value from a request reaches the
 * database as a bound parameter. The test sends a marker in every field that is stored or
 * searched for, and reads the SQL text of every query (logged at trace level): the marker must
 * appear in none.
 */

const marker = `zqx${Array.from(randomBytes(6), (b) => String.fromCharCode(97 + (b % 26))).join('')}`;
const statements: string[] = [];
let app: TestApp;
let admin: TestUser;

beforeAll(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        const entry = JSON.parse(line) as { msg?: string; sql?: string };
        if (entry.msg === 'sql' && entry.sql) statements.push(entry.sql);
      }
      done();
    },
  });
  app = await startApp({ logDestination: sink, env: { LOG_LEVEL: 'trace' } });
  admin = await createUser(app, ['admin']);
});
afterAll(async () => {
  await app.close();
});

describe('values from requests are bound, never written into SQL text', () => {
  it('signup, signin, profile, sessions, administration, roles and the audit trail', async () => {
    const asAdmin = { 'x-access-token': admin.accessToken };
    const account = { username: `${marker}u`, email: `${marker}e@example.test`, password: `${marker} password` };
    const made = await app.http().post('/api/auth/signup').send(account);
    expect(made.body).toEqual({ message: 'User registered successfully!' });
    const signin = await app.http().post('/api/auth/signin').send({ username: account.username, password: account.password }).expect(200);
    await app.http().post('/api/auth/signin').send({ username: `${marker}nobody`, password: 'guess-guess' }).expect(401);
    const mine = { 'x-access-token': signin.body.accessToken as string };
    await app.http().patch('/api/users/me').set(mine).send({ email: `${marker}new@example.test` }).expect(202);
    await app.http().delete(`/api/auth/sessions/${marker}`).set(mine).expect(404);

    await app.http().get(`/api/admin/users?search=${marker}&role=${marker}`).set(asAdmin).expect(200);
    await app.http().get(`/api/admin/users?search=${marker}`).set(asAdmin).expect(200);
    await app.http().post('/api/admin/roles').set(asAdmin).send({ name: marker }).expect(201);
    await app.http().patch(`/api/admin/users/${signin.body.id}`).set(asAdmin).send({ roles: ['user', marker] }).expect(200);
    await app.http().get(`/api/admin/users?role=${marker}`).set(asAdmin).expect(200);
    await app.http().delete(`/api/admin/roles/${marker}`).set(asAdmin).expect(200);
    await app.http().get(`/api/admin/audit?type=${marker}.`).set(asAdmin).expect(200);
    await app.http().get(`/api/admin/audit?type=${marker}`).set(asAdmin).expect(200);
    await app.http().post('/api/auth/forgot-password').send({ email: `${marker}new@example.test` }).expect(202);
    await app.http().post('/api/auth/verify-email/send').send({ email: `${marker}x@example.test` }).expect(202);
    await app.http().post('/api/auth/verify-email').send({ token: `${marker}${'a'.repeat(40)}` }).expect(400);
    await app.http().post('/api/auth/reset-password').send({ token: `${marker}${'a'.repeat(40)}`, password: 'a new long password' }).expect(400);
    await app.services.mail.deliver();

    expect(statements.length).toBeGreaterThan(20);
    // The lookups did run, with placeholders where the values go ($1 or $name, ? for MySQL).
    expect(statements.some((sql) => /usernameNormalized\W+ = (\$|\?)/.test(sql))).toBe(true);
    expect(statements.filter((sql) => sql.includes(marker))).toEqual([]);
  });
});
