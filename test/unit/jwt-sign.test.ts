import { createSecretKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { signJwt, verifyJwt } from '../../src/features/tokens/jwt.js';

const pairs = {
  ES256: generateKeyPairSync('ec', { namedCurve: 'P-256' }),
  RS256: generateKeyPairSync('rsa', { modulusLength: 2048 }),
  EdDSA: generateKeyPairSync('ed25519'),
};
const secret = createSecretKey(randomBytes(32));
const keys = {
  ...Object.fromEntries(Object.entries(pairs).map(([alg, pair]) => [alg, { sign: pair.privateKey, verify: pair.publicKey }])),
  HS256: { sign: secret, verify: secret },
};

describe('signJwt (node:crypto)', () => {
  it.each(Object.keys(keys))('signs %s tokens that jose verifies, and that verifyJwt accepts', async (alg) => {
    const key = keys[alg as keyof typeof keys];
    const now = Math.floor(Date.now() / 1000);
    const payload = { sub: '7', iss: 'tokengate', aud: 'api', iat: now, exp: now + 60, roles: ['user'] };
    const token = signJwt({ alg, typ: 'at+jwt', kid: 'k1' }, payload, key.sign);

    const verified = await jwtVerify(token, key.verify, { algorithms: [alg], issuer: 'tokengate', audience: 'api', typ: 'at+jwt' });
    expect(verified.payload).toMatchObject(payload);
    expect(decodeProtectedHeader(token)).toEqual({ alg, typ: 'at+jwt', kid: 'k1' });
    const ours = verifyJwt(token, { algorithms: [alg], keyFor: () => key.verify, type: 'at+jwt', issuer: 'tokengate', audience: 'api', now, leeway: 5 });
    expect(ours.claims).toMatchObject(payload);

    const [header, body] = token.split('.');
    const forged = `${header}.${Buffer.from(JSON.stringify({ ...payload, roles: ['admin'] })).toString('base64url')}.${token.split('.')[2]}`;
    await expect(jwtVerify(forged, key.verify, { algorithms: [alg] })).rejects.toThrow();
    expect(body).not.toBe(forged.split('.')[1]);
  });

  it('refuses an algorithm it does not know', () => {
    expect(() => signJwt({ alg: 'none' }, {}, secret)).toThrow(/cannot sign/);
  });
});
