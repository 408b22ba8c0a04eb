import { createHmac, sign } from 'node:crypto';
import type { TestApp, TestUser } from './app.js';

export function encodeSegment(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/**
 * Signs a token with the app's own current signing key, so that a test can vary one claim or
 * header member at a time and check that exactly that variation is refused. `claims` and
 * `header` replace the defaults; a member set to undefined is left out. Signs with node:crypto
 * directly, so that any header (even one a JOSE library would refuse to write) can be made.
 */
export function signWithAppKey(
  app: TestApp,
  user: Pick<TestUser, 'id'>,
  options: { claims?: Record<string, unknown>; header?: Record<string, unknown> } = {},
): string {
  const key = app.services.keys.signingKey();
  const now = Math.floor(Date.now() / 1000);
  const header = withoutUndefined({ alg: key.alg, typ: 'at+jwt', kid: key.kid, ...options.header });
  const payload = withoutUndefined({
    iss: 'tokengate',
    aud: 'tokengate',
    sub: String(user.id),
    id: user.id,
    roles: ['admin'],
    sid: 'forged-session',
    iat: now,
    exp: now + 600,
    jti: 'test',
    ...options.claims,
  });
  const input = `${encodeSegment(header)}.${encodeSegment(payload)}`;
  const data = Buffer.from(input);
  const signature =
    key.alg === 'HS256'
      ? createHmac('sha256', key.privateKey).update(data).digest()
      : key.alg === 'EdDSA'
        ? sign(null, data, key.privateKey)
        : sign('sha256', data, { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

function withoutUndefined(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}
