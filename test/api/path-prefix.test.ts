import { readdirSync, readFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../helpers/app.js';
import { outboxSettled } from '../helpers/mail.js';

/*
 * Tokengate behind a reverse proxy that serves it under /auth and strips the prefix, as the
 * nginx example of docs/reverse-proxy.md does: PUBLIC_URL=http://<proxy>/auth. Everything a
 * browser or a mail reader follows must carry the prefix.
 */
const PREFIX = '/auth';
let proxy: Server;
let proxyUrl: string;
let app: TestApp;

function startProxy(target: () => URL): Promise<Server> {
  const server = createServer((req, res) => {
    if (!req.url?.startsWith(`${PREFIX}/`)) {
      res.writeHead(404).end('not under the prefix');
      return;
    }
    const upstream = httpRequest(
      { host: target().hostname, port: target().port, method: req.method, path: req.url.slice(PREFIX.length), headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

beforeAll(async () => {
  const upstream: { url?: URL } = {};
  proxy = await startProxy(() => upstream.url!);
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  app = await startApp({ env: { PUBLIC_URL: `${proxyUrl}${PREFIX}`, COOKIE_TRANSPORT: 'true', CORS_ORIGINS: proxyUrl } });
  upstream.url = new URL(app.url);
});
afterAll(async () => {
  await app.close();
  await new Promise((resolve) => proxy.close(resolve));
});

const get = (p: string, init?: RequestInit) => fetch(`${proxyUrl}${p}`, init);

describe('PUBLIC_URL with a path prefix, behind a proxy that strips it', () => {
  it('serves the docs page whose assets and spec URL all resolve through the proxy', async () => {
    const page = await get(`${PREFIX}/api/docs`);
    expect(page.status).toBe(200);
    const html = await page.text();
    const urls = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(urls.length).toBe(3);
    for (const url of urls) {
      expect(url.startsWith(`${PREFIX}/api/docs/assets/`), url).toBe(true);
      expect((await get(url)).status, url).toBe(200);
    }
    const init = await (await get(`${PREFIX}/api/docs/assets/tokengate-init.js`)).text();
    const specUrl = /url: "([^"]+)"/.exec(init)?.[1];
    expect(specUrl).toBe(`${PREFIX}/api/openapi.json`);
    const spec = (await (await get(specUrl!)).json()) as { servers: { url: string }[] };
    expect(spec.servers).toEqual([{ url: PREFIX }]);
  });

  it('sets cookie paths under the prefix, so the browser sends them back through the proxy', async () => {
    const account = { username: 'prefixed', email: 'prefixed@example.test', password: 'prefixed-password' };
    const json = { 'Content-Type': 'application/json', Origin: proxyUrl };
    expect((await get(`${PREFIX}/api/auth/signup`, { method: 'POST', headers: json, body: JSON.stringify(account) })).status).toBe(200);
    const signin = await get(`${PREFIX}/api/auth/signin`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ username: account.username, password: account.password }),
    });
    expect(signin.status).toBe(200);
    const cookies = signin.headers.getSetCookie();
    const access = cookies.find((c) => c.startsWith('tg_access='))!;
    const refresh = cookies.find((c) => c.startsWith('tg_refresh='))!;
    expect(access).toMatch(/; Path=\/auth(;|$)/);
    expect(refresh).toMatch(/; Path=\/auth\/api\/auth(;|$)/);

    const pair = (cookie: string) => cookie.split(';')[0]!;
    const board = await get(`${PREFIX}/api/test/user`, { headers: { Cookie: pair(access) } });
    expect(await board.text()).toBe('User Content.');
    const refreshed = await get(`${PREFIX}/api/auth/refreshtoken`, { method: 'POST', headers: { ...json, Cookie: pair(refresh) }, body: '{}' });
    expect(refreshed.status).toBe(200);
  });

  it('puts the prefix into the links of mails', async () => {
    await outboxSettled(app);
    const dir = app.config.mail.fileDir;
    const mails = readdirSync(dir).filter((f) => f.endsWith('.eml'));
    expect(mails.length).toBeGreaterThan(0);
    const text = mails.map((f) => readFileSync(path.join(dir, f), 'utf8')).join('\n');
    // Quoted-printable: soft line breaks and "=3D" for "=".
    const decoded = text.replace(/=\r?\n/g, '').replace(/=3D/g, '=');
    expect(decoded).toContain(`${proxyUrl}${PREFIX}/console/verify-email?token=`);
  });
});
