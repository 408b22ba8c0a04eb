import { afterAll, beforeAll, expect, it } from 'vitest';
import { createPasswordHasher } from '../../src/features/passwords/password-hasher.js';
import { startApp, uniqueName, type TestApp } from '../helpers/app.js';

/*
 * Admission by expected wait (HASH_MAX_WAIT) on the production hash cost. This runs once, on
 * SQLite, rather than in each dialect's suite: three bursts of 60 argon2id hashes at once on two
 * cores would measure each other, not the bound. The signin flood that must be shed stays in
 * test/api/abuse.test.ts.
 */

let app: TestApp;
beforeAll(async () => {
  // Production hashing (argon2id at OWASP cost) and the default HASH_MAX_WAIT of 2 s.
  app = await startApp({ hasher: createPasswordHasher(), env: { HASH_MAX_WAIT: '2s' } });
});
afterAll(async () => {
  await app.close();
});

it('a burst of 60 parallel signups of different people all succeed (admission by expected wait)', async () => {
  const people = Array.from({ length: 60 }, () => {
    const username = uniqueName('burst');
    return { username, email: `${username}@example.test`, password: `${username} password` };
  });
  const answers = await Promise.all(people.map((person) => app.http().post('/api/auth/signup').send(person)));
  expect(answers.map((r) => r.status)).toEqual(Array(60).fill(200));
});
