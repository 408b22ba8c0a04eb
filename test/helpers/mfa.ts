import { decodeJwt } from 'jose';
import { expect } from 'vitest';
import { authenticatorFrom, readQrCode, type Authenticator } from './authenticator.js';
import { manualClock, type TestApp, type TestUser } from './app.js';

export const STEP_MS = 30_000;

export type ManualClock = ReturnType<typeof manualClock>;

/** A clock that only moves when told to, 10 s into a time step, clear of the step's edges. */
export function stepClock(): ManualClock {
  return manualClock(Math.floor(Date.now() / STEP_MS) * STEP_MS + 10_000);
}

export interface Enrolled {
  authenticator: Authenticator;
  recoveryCodes: string[];
}

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/**
 * Sets an authenticator app up through HTTP as a person does: start, scan the QR code, type the
 * code the app shows. The clock then moves on a step, since the confirming code is used up.
 */
export async function enrollTotp(app: TestApp, user: Pick<TestUser, 'accessToken'>, clock: ManualClock): Promise<Enrolled> {
  const setup = await app.http().post('/api/users/me/mfa/totp').set(bearer(user.accessToken)).expect(200);
  const authenticator = authenticatorFrom(readQrCode(setup.body.qrCode));
  const confirmed = await app
    .http()
    .post('/api/users/me/mfa/totp/confirm')
    .set(bearer(user.accessToken))
    .send({ code: authenticator.codeAt(clock.now()) })
    .expect(200);
  clock.advance(STEP_MS);
  return { authenticator, recoveryCodes: confirmed.body.recoveryCodes };
}

export function signin(app: TestApp, user: Pick<TestUser, 'username' | 'password'>) {
  return app.http().post('/api/auth/signin').send({ username: user.username, password: user.password });
}

export function verify(app: TestApp, mfaToken: unknown, code: unknown) {
  return app.http().post('/api/auth/mfa/verify').send({ mfaToken, code });
}

/** The first step of a signin with a second factor: the password gives an mfaToken. */
export async function mfaTokenFor(app: TestApp, user: Pick<TestUser, 'username' | 'password'>): Promise<string> {
  const res = await signin(app, user).expect(200);
  expect(res.body).toMatchObject({ mfaRequired: true, mfaToken: expect.any(String) });
  return res.body.mfaToken as string;
}

export function as(app: TestApp, token: string) {
  return {
    get: (path: string) => app.http().get(path).set(bearer(token)),
    post: (path: string, body?: object) => app.http().post(path).set(bearer(token)).send(body),
    delete: (path: string, body?: object) => app.http().delete(path).set(bearer(token)).send(body),
  };
}

/** A six-digit code that is none of the codes the app shows around `now` (so it is surely wrong). */
export function wrongCode(authenticator: Authenticator, now: number): string {
  const valid = new Set([-1, 0, 1].map((steps) => authenticator.codeAt(now, steps)));
  return ['000000', '111111', '222222', '333333'].find((code) => !valid.has(code))!;
}

/** The `amr` claim of an access token (how its signin was proven). */
export const amrOf = (accessToken: string) => decodeJwt(accessToken).amr;
