import { expect } from 'vitest';
import type { TestApp, TestUser } from './app.js';
import { SoftAuthenticator, type AssertionOverrides, type CeremonyOverrides, type SoftCredential } from './passkey-authenticator.js';

/** The public address the passkey suites run behind: the RP ID is its host, the origin its origin. */
export const PUBLIC_URL = 'https://auth.example.test';
export const ORIGIN = PUBLIC_URL;
export const RP_ID = 'auth.example.test';

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/** Registration options: signed in, with the current password as the API asks. */
export function registrationOptions(app: TestApp, user: Pick<TestUser, 'accessToken' | 'password'>) {
  return app.http().post('/api/users/me/passkeys/options').set(bearer(user.accessToken)).send({ password: user.password });
}

export function submitRegistration(app: TestApp, user: Pick<TestUser, 'accessToken'>, body: unknown) {
  return app.http().post('/api/users/me/passkeys').set(bearer(user.accessToken)).send(body as object);
}

export interface Registered {
  id: string;
  credential: SoftCredential;
}

/** Registers a passkey through HTTP as a browser does: options, create(), the answer. */
export async function registerPasskey(
  app: TestApp,
  user: Pick<TestUser, 'accessToken' | 'password'>,
  authenticator: SoftAuthenticator,
  name?: string,
): Promise<Registered> {
  const { body: start } = await registrationOptions(app, user).expect(200);
  const { credential, response } = authenticator.register(start.options);
  const res = await submitRegistration(app, user, { challengeId: start.challengeId, response, ...(name ? { name } : {}) });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  expect(res.body).toEqual({ id: expect.any(String), name: name ?? expect.stringMatching(/^Passkey \d{4}-\d{2}-\d{2}$/), createdAt: expect.any(String), lastUsedAt: null });
  return { id: res.body.id as string, credential };
}

export function signinOptions(app: TestApp, body?: object) {
  const req = app.http().post('/api/auth/passkey/options');
  return body === undefined ? req.send() : req.send(body);
}

export function passkeySignin(app: TestApp, body: unknown) {
  return app.http().post('/api/auth/passkey').send(body as object);
}

/** Options for a passwordless signin, and the authenticator's answer to them. */
export async function assertion(app: TestApp, authenticator: SoftAuthenticator, overrides: AssertionOverrides = {}, body?: object) {
  const { body: start } = await signinOptions(app, body).expect(200);
  return { challengeId: start.challengeId as string, response: authenticator.assert(start.options, overrides) };
}

export const newAuthenticator = () => new SoftAuthenticator(ORIGIN);
export type { CeremonyOverrides };
