import { decodeProtectedHeader } from 'jose';
import { QueryTypes } from 'sequelize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokengateVerifier } from '../../examples/verify-with-jwks.mjs';
import { KEY_ACTIVATION_DELAY_MS } from '../../src/features/tokens/key-ring.js';
import { createUser, manualClock, startApp, TEST_SECRET, type TestApp } from '../helpers/app.js';

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'];

const kidOf = (token: string) => decodeProtectedHeader(token).kid;
const jwksKids = async (app: TestApp) =>
  ((await app.http().get('/.well-known/jwks.json').expect(200)).body.keys as { kid: string }[]).map((k) => k.kid);

describe('GET /.well-known/jwks.json', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startApp();
  });
  afterAll(async () => {
    await app.close();
  });

  it('publishes the public ES256 key that signs the tokens, and nothing private', async () => {
    const res = await app.http().get('/.well-known/jwks.json').expect(200);
    expect(res.headers['content-type']).toMatch(/application\/jwk-set\+json/);
    expect(res.headers['cache-control']).toBe('public, max-age=300');
    expect(res.body.keys).toHaveLength(1);
    const [key] = res.body.keys;
    expect(key).toEqual({
      kty: 'EC',
      crv: 'P-256',
      x: expect.any(String),
      y: expect.any(String),
      kid: expect.any(String),
      alg: 'ES256',
      use: 'sig',
    });
    for (const member of PRIVATE_MEMBERS) expect(key).not.toHaveProperty(member);
    const user = await createUser(app);
    expect(kidOf(user.accessToken)).toBe(key.kid);
  });

  it('another service verifies tokens with the documented example, and refuses a forgery', async () => {
    const verify = createTokengateVerifier({ baseUrl: app.url });
    const user = await createUser(app, ['moderator']);
    await expect(verify(user.accessToken)).resolves.toEqual({
      userId: String(user.id),
      roles: ['moderator'],
      sessionId: expect.any(String),
    });
    const [header, payload] = user.accessToken.split('.');
    await expect(verify(`${header}.${payload}.${Buffer.alloc(64).toString('base64url')}`)).rejects.toThrow();
  });

  it('keeps private keys sealed in the database', async () => {
    const rows = await app.db.sequelize.query<{ privateKey: string; publicJwk: string }>('SELECT * FROM signing_keys', {
      type: QueryTypes.SELECT,
    });
    expect(rows).toHaveLength(1);
    const [row] = rows;
    expect(row!.privateKey).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(row!.privateKey).not.toMatch(/PRIVATE KEY/);
    for (const member of PRIVATE_MEMBERS) expect(JSON.parse(row!.publicJwk)).not.toHaveProperty(member);
  });

  it('refuses to start with another AUTH_SECRET, saying why and naming the development secret file', async () => {
    const start = startApp({ database: app.database, env: { AUTH_SECRET: `${TEST_SECRET}-but-different` } });
    await expect(start).rejects.toThrow(/Cannot decrypt signing key .*AUTH_SECRET is not the secret it was stored with/);
    await expect(start).rejects.toThrow(/data\/auth-secret.*or start from a fresh database/);
  });
});

describe('key rotation', () => {
  it('publishes the new key first, signs with it after the delay, and keeps the old one until its tokens expire', async () => {
    const clock = manualClock();
    const first = await startApp({ clock });
    const second = await startApp({ clock, database: first.database });
    try {
      const before = await createUser(first);
      const oldKid = kidOf(before.accessToken);

      const added = await first.services.keys.rotate();
      expect(added.status).toBe('pending');
      expect(await jwksKids(first)).toEqual([oldKid, added.kid]);
      expect(kidOf((await createUser(first)).accessToken)).toBe(oldKid);

      // The other instance reloads its keys (every 30 seconds) before the new key signs.
      await second.services.keys.load();
      clock.advance(KEY_ACTIVATION_DELAY_MS + 1000);
      const after = await createUser(first);
      expect(kidOf(after.accessToken)).toBe(added.kid);
      for (const instance of [first, second]) {
        await instance.http().get('/api/test/user').set('x-access-token', before.accessToken).expect(200);
        await instance.http().get('/api/test/user').set('x-access-token', after.accessToken).expect(200);
      }
      expect(await jwksKids(first)).toEqual([oldKid, added.kid]);

      // Once every token of the old key has expired, the key leaves the JWKS.
      clock.advance(15 * 60_000 + 11_000);
      await first.services.keys.load();
      expect(await jwksKids(first)).toEqual([added.kid]);
      await first.http().get('/api/test/user').set('x-access-token', before.accessToken).expect(401);
    } finally {
      await second.close();
      await first.close();
    }
  });

  it('switching JWT_ALG rotates at once, and tokens of the old key keep working', async () => {
    const es = await startApp();
    try {
      const user = await createUser(es);
      const rs = await startApp({ database: es.database, env: { JWT_ALG: 'RS256' } });
      try {
        const fresh = await createUser(rs);
        expect(decodeProtectedHeader(fresh.accessToken).alg).toBe('RS256');
        await rs.http().get('/api/test/user').set('x-access-token', user.accessToken).expect(200);
        await rs.http().get('/api/test/user').set('x-access-token', fresh.accessToken).expect(200);
        const kinds = ((await rs.http().get('/.well-known/jwks.json')).body.keys as { kty: string }[]).map((k) => k.kty);
        expect(kinds.sort()).toEqual(['EC', 'RSA']);
      } finally {
        await rs.close();
      }
    } finally {
      await es.close();
    }
  });

  it('EdDSA works end to end', async () => {
    const ed = await startApp({ env: { JWT_ALG: 'EdDSA' } });
    try {
      const user = await createUser(ed, ['admin']);
      expect(decodeProtectedHeader(user.accessToken).alg).toBe('EdDSA');
      await ed.http().get('/api/test/admin').set('x-access-token', user.accessToken).expect(200);
      const [key] = (await ed.http().get('/.well-known/jwks.json')).body.keys;
      expect(key).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA' });
      expect(key).not.toHaveProperty('d');
    } finally {
      await ed.close();
    }
  });
});

describe('the verified-token cache', () => {
  it('checks a repeated token’s signature once', async () => {
    const app = await startApp();
    try {
      const user = await createUser(app);
      let lookups = 0;
      const keys = app.services.keys;
      const original = keys.verificationKey.bind(keys);
      keys.verificationKey = (header) => {
        lookups += 1;
        return original(header);
      };
      for (let i = 0; i < 5; i++) await app.http().get('/api/test/user').set('x-access-token', user.accessToken).expect(200);
      expect(lookups).toBe(1);
    } finally {
      await app.close();
    }
  });

  it('a cached token stops working when its session is revoked or when it expires', async () => {
    const clock = manualClock();
    const app = await startApp({ clock });
    try {
      const revoked = await createUser(app);
      await app.http().get('/api/test/user').set('x-access-token', revoked.accessToken).expect(200);
      await app.http().post('/api/auth/signout').send({ refreshToken: revoked.refreshToken }).expect(200);
      await app.http().get('/api/test/user').set('x-access-token', revoked.accessToken).expect(401);

      const expiring = await createUser(app);
      await app.http().get('/api/test/user').set('x-access-token', expiring.accessToken).expect(200);
      clock.advance(901_000);
      const res = await app.http().get('/api/test/user').set('x-access-token', expiring.accessToken).expect(401);
      expect(res.body.message).toBe('Unauthorized! Access Token was expired!');
    } finally {
      await app.close();
    }
  });
});

describe('HS256 with a shared secret (JWT_ALG=HS256)', () => {
  it('signs with JWT_SECRET and publishes no key', async () => {
    const app = await startApp({ env: { JWT_ALG: 'HS256', JWT_SECRET: TEST_SECRET } });
    try {
      const user = await createUser(app, ['admin']);
      expect(decodeProtectedHeader(user.accessToken)).toMatchObject({ alg: 'HS256', typ: 'at+jwt' });
      await app.http().get('/api/test/admin').set('x-access-token', user.accessToken).expect(200);
      expect((await app.http().get('/.well-known/jwks.json').expect(200)).body).toEqual({ keys: [] });
      await expect(app.services.keys.rotate()).rejects.toThrow(/change the secret/);
    } finally {
      await app.close();
    }
  });
});
