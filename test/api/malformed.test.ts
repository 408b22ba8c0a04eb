import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Response } from 'supertest';
import { createUser, startApp, type TestApp, type TestUser } from '../helpers/app.js';

let app: TestApp;

beforeAll(async () => {
  app = await startApp();
});
afterAll(async () => {
  await app.close();
});

/** A clear JSON error: status, code, a message, and nothing that leaks internals. */
function expectJsonError(res: Response, status: number, code: string): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.body.code).toBe(code);
  expect(typeof res.body.message).toBe('string');
  expect(res.text).not.toMatch(/<html|<pre|\n\s+at |node_modules|SELECT |INSERT /i);
}

describe('malformed requests get a clear 4xx JSON answer', () => {
  for (const path of ['/api/auth/signup', '/api/auth/signin']) {
    describe(path, () => {
      it('invalid JSON → 400 INVALID_JSON', async () => {
        const res = await app.http().post(path).set('Content-Type', 'application/json').send('{"username": "x",');
        expectJsonError(res, 400, 'INVALID_JSON');
      });

      it('JSON null → 400', async () => {
        const res = await app.http().post(path).set('Content-Type', 'application/json').send('null');
        expect(res.status).toBe(400);
        expect(res.body.code).toMatch(/INVALID_JSON|VALIDATION_FAILED/);
      });

      it('a JSON array instead of an object → 400 VALIDATION_FAILED', async () => {
        const res = await app.http().post(path).send([{ username: 'x' }]);
        expectJsonError(res, 400, 'VALIDATION_FAILED');
        expect(res.body.message).toMatch(/JSON object/);
      });

      it('no body at all → 400 VALIDATION_FAILED', async () => {
        const res = await app.http().post(path);
        expectJsonError(res, 400, 'VALIDATION_FAILED');
      });

      it('a body over 16 KB → 413 PAYLOAD_TOO_LARGE', async () => {
        const res = await app
          .http()
          .post(path)
          .send({ username: 'someone', email: 'x@example.test', password: 'p'.repeat(20_000) });
        expectJsonError(res, 413, 'PAYLOAD_TOO_LARGE');
      });

      it('text/plain → 415 UNSUPPORTED_MEDIA_TYPE', async () => {
        const res = await app.http().post(path).set('Content-Type', 'text/plain').send('username=x');
        expectJsonError(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
      });

      it('XML → 415 UNSUPPORTED_MEDIA_TYPE', async () => {
        const res = await app.http().post(path).set('Content-Type', 'application/xml').send('<u>x</u>');
        expectJsonError(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
      });

      it('a __proto__ key → 400 FORBIDDEN_KEY', async () => {
        const res = await app
          .http()
          .post(path)
          .set('Content-Type', 'application/json')
          .send('{"username":"someone","password":"long-enough","__proto__":{"roles":["admin"]}}');
        expectJsonError(res, 400, 'FORBIDDEN_KEY');
      });

      it('a nested constructor key → 400 FORBIDDEN_KEY', async () => {
        const res = await app
          .http()
          .post(path)
          .send({ username: 'someone', password: 'long-enough', roles: [{ constructor: { prototype: 1 } }] });
        expectJsonError(res, 400, 'FORBIDDEN_KEY');
      });

      it('a form field given twice (an array where a string belongs) → 400 naming the field', async () => {
        const res = await app
          .http()
          .post(path)
          .type('form')
          .send('username=a&username=b&password=long-enough&email=x@example.test');
        expectJsonError(res, 400, 'VALIDATION_FAILED');
        expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'username' })]));
      });

      it('an unsupported content encoding → 415', async () => {
        const res = await app
          .http()
          .post(path)
          .set('Content-Type', 'application/json')
          .set('Content-Encoding', 'br-nonsense')
          .send('{}');
        expectJsonError(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
      });
    });
  }

  it.each([
    ['a NUL in the signin username', '/api/auth/signin', { username: 'ali\u0000ce', password: 'long-enough' }, 'username'],
    ['a NUL in the signin password', '/api/auth/signin', { username: 'alice', password: 'long-\u0000enough' }, 'password'],
    ['an escape character in a signup email', '/api/auth/signup', { username: 'someone', email: 'a\u001b@example.test', password: 'long enough pw' }, 'email'],
    ['a DEL in a role name of signup', '/api/auth/signup', { username: 'someone', email: 'a@example.test', password: 'long enough pw', roles: ['user', 'x\u007f'] }, 'roles.1'],
  ])('%s → 400 naming the field', async (_name, path, body, field) => {
    const res = await app.http().post(path).send(body);
    expectJsonError(res, 400, 'VALIDATION_FAILED');
    expect(res.body.errors).toEqual([{ field, message: `${field} must not contain control characters` }]);
  });

  it('control characters in a query parameter or a path parameter → 400 naming it', async () => {
    const admin = await createUser(app, ['admin']);
    const search = await app.http().get('/api/admin/users?search=%00').set('x-access-token', admin.accessToken);
    expectJsonError(search, 400, 'VALIDATION_FAILED');
    expect(search.body.errors).toEqual([{ field: 'search', message: 'search must not contain control characters' }]);
    const session = await app.http().delete('/api/auth/sessions/%01').set('x-access-token', admin.accessToken);
    expectJsonError(session, 400, 'VALIDATION_FAILED');
    expect(session.body.errors[0].field).toBe('id');
  });

  describe('the second-factor routes, fuzzed', () => {
    let pending: TestUser;
    let enrolled: TestUser;
    let admin: TestUser;
    beforeAll(async () => {
      [pending, enrolled, admin] = await Promise.all([createUser(app), createUser(app), createUser(app, ['admin'])]);
      await app.http().post('/api/users/me/mfa/totp').set('x-access-token', pending.accessToken).expect(200);
      // Enrolled without an app of its own: no fuzzed code can match a secret nobody saw.
      await app.services.secondFactors.beginTotp(enrolled);
      await app.db.models.TotpFactor.update({ confirmedAt: new Date(), lastStep: 0 }, { where: { userId: enrolled.id } });
    });

    /** Values of every JSON type and of awkward sizes and contents; `undefined` leaves the field out. */
    const values: unknown[] = [
      undefined, null, 0, -1, 1.5, true, false, '', ' ', '\u0000', 'x'.repeat(65), 'x'.repeat(10_000), '😀'.repeat(30),
      "' OR 1=1 --", '123456', '12 34 56', '1234567', 'aaaa-bbbb-cccc-dddd', [], ['123456'], {}, { $gt: '' },
    ];
    const routes: Array<{ method: 'post' | 'delete'; path: string; fields: string[]; token: () => string | undefined }> = [
      { method: 'post', path: '/api/auth/mfa/verify', fields: ['mfaToken', 'code'], token: () => undefined },
      { method: 'post', path: '/api/users/me/mfa/totp/confirm', fields: ['code'], token: () => pending.accessToken },
      { method: 'delete', path: '/api/users/me/mfa/totp', fields: ['password', 'code'], token: () => enrolled.accessToken },
      { method: 'post', path: '/api/users/me/mfa/recovery-codes', fields: ['code'], token: () => enrolled.accessToken },
    ];

    /** A small deterministic generator, so that a failure can be replayed. */
    function generator(seed: number) {
      let state = seed;
      const next = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
      return <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
    }

    /** A fresh mfaToken of the enrolled user, where a body has the placeholder, so that codes are checked too. */
    const FRESH = 'fresh-mfa-token';
    async function withFreshToken(body: unknown): Promise<unknown> {
      if (body === null || typeof body !== 'object' || (body as { mfaToken?: unknown }).mfaToken !== FRESH) return body;
      const res = await app.http().post('/api/auth/signin').send({ username: enrolled.username, password: enrolled.password }).expect(200);
      expect(res.body.mfaRequired).toBe(true);
      return { ...body, mfaToken: res.body.mfaToken };
    }

    function bodiesFor(fields: string[]): unknown[] {
      const pick = generator(fields.length * 7919);
      const valid = Object.fromEntries(fields.map((f) => [f, f === 'mfaToken' ? FRESH : '123456']));
      const single = fields.flatMap((field) => values.map((value) => ({ ...valid, [field]: value })));
      const mixed = Array.from({ length: 40 }, () => ({
        ...Object.fromEntries(fields.map((f) => [f, pick(values)])),
        ...(pick([true, false]) ? { [pick(['extra', 'roles', 'userId', 'amr'])]: pick(values) } : {}),
      }));
      return [...single, ...mixed, [], 'just a string', 42, null];
    }

    for (const route of routes) {
      it(`${route.method.toUpperCase()} ${route.path}: every fuzzed body gets a 4xx JSON error`, async () => {
        for (const fuzzed of bodiesFor(route.fields)) {
          const body = await withFreshToken(fuzzed);
          const token = route.token();
          const req = app.http()[route.method](route.path);
          const res = await (token ? req.set('x-access-token', token) : req).set('Content-Type', 'application/json').send(JSON.stringify(body));
          expect({ body, status: res.status }).toEqual({ body, status: expect.toSatisfy((s: number) => s >= 400 && s < 500) });
          expectJsonError(res, res.status, res.body.code);
          expect(res.body.code).toMatch(/^[A-Z_]+$/);
        }
        const broken = app.http()[route.method](route.path).set('Content-Type', 'application/json');
        expectJsonError(await (route.token() ? broken.set('x-access-token', route.token()!) : broken).send('{"code": '), 400, 'INVALID_JSON');
      });
    }

    it('DELETE /api/admin/users/:id/mfa: malformed ids get 400, unknown ones 404', async () => {
      for (const id of ['0', '-1', 'abc', '1.5', '99999999999', '%20', '1;DROP TABLE users']) {
        const res = await app.http().delete(`/api/admin/users/${id}/mfa`).set('x-access-token', admin.accessToken);
        expectJsonError(res, 400, 'VALIDATION_FAILED');
      }
      expectJsonError(await app.http().delete('/api/admin/users/2147483647/mfa').set('x-access-token', admin.accessToken), 404, 'USER_NOT_FOUND');
    });
  });

  it('an unknown route → 404 JSON', async () => {
    const res = await app.http().get('/api/nothing-here');
    expectJsonError(res, 404, 'NOT_FOUND');
  });

  it('the server still serves after all of the above', async () => {
    const res = await app.http().get('/api/test/all').expect(200);
    expect(res.text).toBe('Public Content.');
  });
});
