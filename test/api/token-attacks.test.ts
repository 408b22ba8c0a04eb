import { createHmac, createPublicKey, generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { calculateJwkThumbprint, exportJWK, SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createUser, startApp, type TestApp, type TestUser } from '../helpers/app.js';
import { encodeSegment, signWithAppKey } from '../helpers/tokens.js';

/*
 * The JWT attack suite: every forged, altered or malformed token gets 401, and the server keeps
 * serving afterwards.
 */

let app: TestApp;
let admin: TestUser;
let kid: string;
let validToken: string;

beforeAll(async () => {
  app = await startApp();
  admin = await createUser(app, ['admin']);
  kid = app.services.keys.signingKey().kid;
  validToken = admin.accessToken;
});
afterAll(async () => {
  await app.close();
});
afterEach(async () => {
  // The server is still up and still accepts a genuine token.
  await app.http().get('/api/test/all').expect(200);
  await app.http().get('/api/test/admin').set('x-access-token', validToken).expect(200);
});

async function expectRefused(token: string, message = 'Unauthorized!'): Promise<void> {
  const res = await app.http().get('/api/test/admin').set('Authorization', `Bearer ${token}`);
  expect(res.status).toBe(401);
  expect(res.body.message).toBe(message);
}

function claims(overrides: Record<string, unknown> = {}) {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: 'tokengate',
    aud: 'tokengate',
    sub: String(admin.id),
    id: admin.id,
    roles: ['admin'],
    sid: 'forged',
    iat: now,
    exp: now + 600,
    jti: 'x',
    ...overrides,
  };
}

function attackerKey() {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' });
}

describe('algorithm attacks', () => {
  it.each(['none', 'None', 'NONE', 'nOnE'])('alg "%s" with an empty signature', async (alg) => {
    await expectRefused(`${encodeSegment({ alg, typ: 'at+jwt', kid })}.${encodeSegment(claims())}.`);
  });

  it('a genuine token with its signature stripped', async () => {
    const [header, payload] = validToken.split('.');
    await expectRefused(`${header}.${payload}.`);
    await expectRefused(`${header}.${payload}`);
  });

  it('HS256 signed with the public key as the HMAC secret (key confusion)', async () => {
    const jwk = app.services.keys.jwks().keys[0]!;
    const publicKey = createPublicKey({ key: { ...jwk } as JsonWebKey, format: 'jwk' });
    const secrets = [
      publicKey.export({ format: 'pem', type: 'spki' }),
      publicKey.export({ format: 'der', type: 'spki' }),
      JSON.stringify(jwk),
    ];
    for (const secret of secrets) {
      const input = `${encodeSegment({ alg: 'HS256', typ: 'at+jwt', kid })}.${encodeSegment(claims())}`;
      const signature = createHmac('sha256', secret).update(input).digest('base64url');
      await expectRefused(`${input}.${signature}`);
    }
  });

  it('an ES256 signature of all zeros (CVE-2022-21449, r = s = 0)', async () => {
    const input = `${encodeSegment({ alg: 'ES256', typ: 'at+jwt', kid })}.${encodeSegment(claims())}`;
    await expectRefused(`${input}.${Buffer.alloc(64).toString('base64url')}`);
  });

  it('a genuine signature under another declared algorithm', async () => {
    const [header, payload, signature] = validToken.split('.') as [string, string, string];
    const decoded = JSON.parse(Buffer.from(header, 'base64url').toString());
    for (const alg of ['RS256', 'EdDSA', 'ES384', 'PS256']) {
      await expectRefused(`${encodeSegment({ ...decoded, alg })}.${payload}.${signature}`);
    }
  });
});

describe('altered claims under the original signature', () => {
  it.each([
    ['roles raised to admin', { roles: ['admin', 'moderator'] }],
    ['another subject', { sub: '1', id: 1 }],
    ['a later expiry', { exp: 4102444800 }],
  ])('%s', async (_name, change) => {
    const user = await createUser(app, ['user']);
    const [header, payload, signature] = user.accessToken.split('.') as [string, string, string];
    const altered = { ...JSON.parse(Buffer.from(payload, 'base64url').toString()), ...change };
    await expectRefused(`${header}.${encodeSegment(altered)}.${signature}`);
  });
});

describe('keys named by the token are never used', () => {
  it('an embedded jwk header with the attacker’s key', async () => {
    const attacker = attackerKey();
    const jwk = await exportJWK(attacker.publicKey);
    for (const headerKid of [kid, await calculateJwkThumbprint(jwk), undefined]) {
      const token = await new SignJWT(claims())
        .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', jwk, ...(headerKid ? { kid: headerKid } : {}) })
        .sign(attacker.privateKey);
      await expectRefused(token);
    }
  });

  describe('jku, x5u and x5c pointing at the attacker', () => {
    let server: Server;
    let requests = 0;
    let url: string;
    const attacker = attackerKey();

    beforeAll(async () => {
      const jwk = { ...(await exportJWK(attacker.publicKey)), kid: 'attacker', alg: 'ES256', use: 'sig' };
      server = createServer((_req, res) => {
        requests += 1;
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify({ keys: [jwk] }));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
    });
    afterAll(async () => {
      await new Promise((resolve) => server.close(resolve));
    });

    it.each(['jku', 'x5u'])('%s: refused, and nothing is fetched', async (member) => {
      for (const headerKid of ['attacker', kid]) {
        const token = await new SignJWT(claims())
          .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: headerKid, [member]: url })
          .sign(attacker.privateKey);
        await expectRefused(token);
      }
      expect(requests).toBe(0);
    });

    it('x5c with the attacker’s key', async () => {
      const der = attacker.publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
      const token = await new SignJWT(claims())
        .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid, x5c: [der] })
        .sign(attacker.privateKey);
      await expectRefused(token);
      expect(requests).toBe(0);
    });
  });

  it.each([
    ['path traversal', '../../../../../../etc/passwd'],
    ['SQL', "' OR '1'='1' --"],
    ['an unknown id', 'no-such-key'],
    ['a number', 42],
  ])('kid with %s', async (_name, badKid) => {
    const attacker = attackerKey();
    const byAttacker = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: badKid as string })
      .sign(attacker.privateKey);
    await expectRefused(byAttacker);
    await expectRefused(signWithAppKey(app, admin, { header: { kid: badKid } }));
  });

  it('no kid at all', async () => {
    const [, payload, signature] = validToken.split('.');
    await expectRefused(`${encodeSegment({ alg: 'ES256', typ: 'at+jwt' })}.${payload}.${signature}`);
  });
});

describe('claims and type are checked on genuinely signed tokens', () => {
  const now = () => Math.floor(Date.now() / 1000);

  it.each([
    ['a wrong issuer', { claims: { iss: 'https://evil.example' } }],
    ['a wrong audience', { claims: { aud: 'another-api' } }],
    ['no issuer', { claims: { iss: undefined } }],
    ['no expiry', { claims: { exp: undefined } }],
    ['not valid yet (nbf in an hour)', { claims: { nbf: now() + 3600 } }],
    ['issued in the future (iat in an hour)', { claims: { iat: now() + 3600 } }],
    ['a string expiry', { claims: { exp: 'tomorrow' } }],
    ['roles that are not a list', { claims: { roles: 'admin' } }],
    ['typ JWT instead of at+jwt', { header: { typ: 'JWT' } }],
    ['no typ', { header: { typ: undefined } }],
    ['an unknown critical header', { header: { crit: ['exp'] } }],
  ])('%s', async (_name, variation) => {
    await expectRefused(signWithAppKey(app, admin, variation));
  });

  it('an expired token: "Unauthorized! Access Token was expired!"', async () => {
    const token = signWithAppKey(app, admin, { claims: { iat: now() - 1000, exp: now() - 100 } });
    await expectRefused(token, 'Unauthorized! Access Token was expired!');
  });

  it('within the clock leeway, a slightly early iat is fine', async () => {
    const token = signWithAppKey(app, admin, { claims: { iat: now() + 2, sid: 'some-session' } });
    await app.http().get('/api/test/admin').set('x-access-token', token).expect(200);
  });
});

describe('malformed tokens', () => {
  const [h, p, s] = ['', '', ''].map((_, i) => validTokenPart(i));
  function validTokenPart(i: number): () => string {
    return () => validToken.split('.')[i]!;
  }

  it.each([
    ['2 segments', () => `${h!()}.${p!()}`],
    ['4 segments', () => `${h!()}.${p!()}.${s!()}.${s!()}`],
    ['5 segments', () => `${h!()}.${p!()}.${s!()}.${s!()}.${s!()}`],
    ['base64 padding', () => `${h!()}=.${p!()}.${s!()}`],
    ['"+" and "/" (base64, not base64url)', () => `${h!()}.${p!()}.${s!().replace(/-/g, '+').replace(/_/g, '/')}+/`],
    ['spaces inside', () => `${h!()}. ${p!()}.${s!()}`],
    ['an 8 KB header', () => `${encodeSegment({ alg: 'ES256', typ: 'at+jwt', kid, pad: 'x'.repeat(8 * 1024) })}.${p!()}.${s!()}`],
    ['a header that is not JSON', () => `${Buffer.from('not json').toString('base64url')}.${p!()}.${s!()}`],
    ['a header that is a JSON array', () => `${encodeSegment(['ES256'])}.${p!()}.${s!()}`],
    ['empty segments', () => '..'],
  ])('%s', async (_name, build) => {
    await expectRefused(build());
  });

  it('a 64 KB header: refused by the verifier; over HTTP, Node’s 16 KB header limit answers 431 JSON first', async () => {
    const huge = `${encodeSegment({ alg: 'ES256', typ: 'at+jwt', kid, pad: 'x'.repeat(64 * 1024) })}.${p!()}.${s!()}`;
    expect(() => app.services.tokens.verifyAccessToken(huge)).toThrow(expect.objectContaining({ code: 'TOKEN_INVALID' }));
    const res = await app.http().get('/api/test/admin').set('Authorization', `Bearer ${huge}`);
    expect(res.status).toBe(431);
    expect(res.body).toEqual({ message: 'The request headers are too large: the limit is 16 KB.', code: 'HEADERS_TOO_LARGE' });
  });
});
