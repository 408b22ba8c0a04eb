import { Writable } from 'node:stream';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, startApp, type TestApp } from '../helpers/app.js';
import { servedRoutes } from '../helpers/routes.js';

let app: TestApp;
const lines: string[] = [];

beforeAll(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  app = await startApp({ logDestination: sink });
});
afterAll(async () => {
  await app.close();
});

describe('the OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document whose references all resolve', async () => {
    const res = await app.http().get('/api/openapi.json').expect(200);
    const validator = new Validator();
    const result = await validator.validate(res.body);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    expect(() => validator.resolveRefs()).not.toThrow();
  });

  it('describes exactly the routes the app serves', async () => {
    const doc = (await app.http().get('/api/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(doc.paths)
      .flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`))
      .sort();
    // The docs page's own script and Swagger UI's files are assets of that page, not API operations.
    const served = servedRoutes(app.express).filter((route) => !route.startsWith('GET /api/docs/assets/'));
    expect(served).toEqual(documented);
  });

  it('takes request schemas from the validation itself', async () => {
    const doc = (await app.http().get('/api/openapi.json')).body;
    const signup = doc.paths['/api/auth/signup'].post.requestBody.content['application/json'].schema;
    expect(signup.required.sort()).toEqual(['email', 'password', 'username']);
    expect(signup.properties.username).toMatchObject({ type: 'string' });
    const size = doc.paths['/api/admin/users'].get.parameters.find((p: { name: string }) => p.name === 'size');
    expect(size.schema).toMatchObject({ maximum: 100, minimum: 1 });
    const patch = doc.paths['/api/users/me'].patch.requestBody.content['application/json'].schema;
    expect(patch).toMatchObject({ additionalProperties: false, required: ['email'] });
    expect(doc.components.securitySchemes).toHaveProperty('bearerAuth');
    expect(doc.paths['/api/admin/users'].get.security).toEqual(expect.arrayContaining([{ bearerAuth: [] }]));
  });
});

describe('GET /api/docs', () => {
  it('is an HTML page whose scripts and styles all come from this server', async () => {
    const page = await app.http().get('/api/docs').expect(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.text).not.toMatch(/https?:\/\//);
    const assets = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThanOrEqual(3);
    for (const asset of assets) {
      expect(asset.startsWith('/')).toBe(true);
      await app.http().get(asset).expect(200);
    }
    const init = await app.http().get('/api/docs/assets/tokengate-init.js').expect(200);
    expect(init.text).toMatch(/url: "\/api\/openapi.json"/);
    expect(init.text).toMatch(/validatorUrl: null/);
    expect(page.headers['content-security-policy']).toMatch(/default-src 'self'/);
  });
});

describe('health and metrics', () => {
  it('GET /healthz and GET /readyz answer while the database is up', async () => {
    expect((await app.http().get('/healthz').expect(200)).body).toMatchObject({ status: 'ok', pid: expect.any(Number) });
    expect((await app.http().get('/readyz').expect(200)).body).toEqual({ status: 'ready', database: 'up' });
  });

  it('GET /metrics has the request, signin, refresh, hashing, event-loop and process metrics after some traffic', async () => {
    const user = await createUser(app);
    await app.http().post('/api/auth/signin').send({ username: user.username, password: 'wrong-password' }).expect(401);
    await app.http().post('/api/auth/refreshtoken').send({ refreshToken: user.refreshToken }).expect(200);
    await app.http().post('/api/auth/refreshtoken').send({ refreshToken: 'nope' }).expect(403);
    await app.http().get('/api/test/admin').set('x-access-token', user.accessToken).expect(403);

    const res = await app.http().get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/text\/plain/);
    for (const expected of [
      'http_request_duration_seconds_bucket{le="0.005",method="POST",route="/api/auth/signin",status="200"}',
      'http_request_duration_seconds_count{method="GET",route="/api/test/admin",status="403"} 1',
      'tokengate_signin_total{outcome="success"} 1',
      'tokengate_signin_total{outcome="INVALID_CREDENTIALS"} 1',
      'tokengate_refresh_total{outcome="success"} 1',
      'tokengate_refresh_total{outcome="REFRESH_TOKEN_NOT_FOUND"} 1',
      'tokengate_password_hashes{state="running"}',
      'tokengate_password_hashes{state="waiting"}',
      'nodejs_eventloop_lag_seconds',
      'process_cpu_user_seconds_total',
      'process_resident_memory_bytes',
    ]) {
      expect(res.text).toContain(expected);
    }
  });

  it('GET /metrics wants the token when METRICS_TOKEN is set', async () => {
    const guarded = await startApp({ database: app.database, env: { METRICS_TOKEN: 'a-metrics-token-of-some-length' } });
    try {
      const denied = await guarded.http().get('/metrics').expect(403);
      expect(denied.body.code).toBe('METRICS_TOKEN_REQUIRED');
      await guarded.http().get('/metrics').set('Authorization', 'Bearer wrong-token-but-long-enough').expect(403);
      await guarded.http().get('/metrics').set('Authorization', 'Bearer a-metrics-token-of-some-length').expect(200);
    } finally {
      await guarded.close();
    }
  });
});

describe('request logs', () => {
  it('one JSON line per request: request id (echoed), method, route, status, duration; 4xx at info', async () => {
    const ok = await app.http().get('/api/test/all').set('x-request-id', 'trace-abc.123').expect(200);
    expect(ok.headers['x-request-id']).toBe('trace-abc.123');
    const replaced = await app.http().get('/api/test/user').set('x-request-id', 'not ok <script>').expect(403);
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);

    const parsed = lines.map((l) => JSON.parse(l) as { req?: { id?: string; path?: string } });
    const first = parsed.find((l) => l.req?.id === 'trace-abc.123');
    expect(first).toMatchObject({
      level: 30,
      req: { id: 'trace-abc.123', method: 'GET', path: '/api/test/all' },
      res: { status: 200 },
      route: '/api/test/all',
      responseTime: expect.any(Number),
    });
    const denied = parsed.find((l) => l.req?.id === replaced.headers['x-request-id']);
    expect(denied).toMatchObject({ level: 30, res: { status: 403 }, route: '/api/test/user' });
    expect(parsed.some((l) => l.req?.path === '/healthz')).toBe(false);
  });
});
