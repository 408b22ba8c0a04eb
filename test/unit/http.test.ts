import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.loader.js';
import { createDatabase } from '../../src/db/database.js';
import { createLogger } from '../../src/lib/logger.js';
import { createUser, fastHasher, startApp, TEST_SECRET, type TestApp } from '../helpers/app.js';

describe('CORS', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startApp({ env: { CORS_ORIGINS: 'http://localhost:8081,https://app.example.com' } });
  });
  afterAll(async () => {
    await app.close();
  });

  it('answers a listed origin, with credentials and the token header allowed', async () => {
    const res = await app
      .http()
      .options('/api/auth/signin')
      .set('Origin', 'https://app.example.com')
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'content-type,x-access-token');
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('https://app.example.com');
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    expect(res.headers['access-control-allow-headers']).toMatch(/x-access-token/);
  });

  it('gives a foreign origin no CORS headers', async () => {
    const res = await app.http().get('/api/test/all').set('Origin', 'https://evil.example');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('does not announce Express', async () => {
    const res = await app.http().get('/api/test/all');
    expect(res.headers['x-powered-by']).toBeUndefined();
  });
});

describe('when the database cannot be reached', () => {
  it('answers 503 JSON with Retry-After, while protected boards keep working from the token alone', async () => {
    const shared = { JWT_ALG: 'HS256', JWT_SECRET: TEST_SECRET };
    const healthy = await startApp({ env: shared });
    const admin = await createUser(healthy, ['admin']);
    await healthy.close();

    // Nothing listens on port 9 of the loopback address: every connection is refused.
    const { config } = loadConfig(
      { NODE_ENV: 'test', ...shared, DATABASE_URL: 'postgres://nobody@127.0.0.1:9/none', LOG_LEVEL: 'silent' },
      process.cwd(),
    );
    const logger = createLogger({ level: 'silent' });
    const db = createDatabase(config.database.url, logger);
    const { app } = createApp({ config, db, logger, hasher: fastHasher });
    try {
      const res = await request(app).post('/api/auth/signin').send({ username: 'someone', password: 'long-enough' });
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBe('5');
      expect(res.body).toEqual({ message: 'The database is unavailable. Please retry shortly.', code: 'DATABASE_UNAVAILABLE' });
      expect(res.text).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);

      const board = await request(app).get('/api/test/admin').set('x-access-token', admin.accessToken);
      expect(board.status).toBe(200);
    } finally {
      await db.close();
    }
  });
});
