import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Response } from 'supertest';
import { createUser, startApp, type TestApp } from '../helpers/app.js';

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

  it('an unknown route → 404 JSON', async () => {
    const res = await app.http().get('/api/nothing-here');
    expectJsonError(res, 404, 'NOT_FOUND');
  });

  it('the server still serves after all of the above', async () => {
    const res = await app.http().get('/api/test/all').expect(200);
    expect(res.text).toBe('Public Content.');
  });
});
