import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_SECRET } from '../helpers/app.js';
import { startMailbox, type Mailbox } from '../helpers/mailbox.js';
import { startServer, type ServerProcess } from '../helpers/processes.js';
import { DB_NAME, DB_PASSWORD, DB_USER, startGaleraCluster, type GaleraCluster } from './galera-cluster.js';

/*
 * Past one machine (DESIGN.md section 13, docs/deploy.md): a 3-node Galera cluster behind
 * HAProxy, and two Tokengate instances: A through HAProxy (which sends it to node1), B directly
 * on node2. Under mixed load the active node, node1, is killed with SIGKILL. Then: every
 * acknowledged signup and signout is still there, requests failed only within a short window
 * after the kill, a signout on one instance is honoured by the other within 5 s, and both serve.
 */

/** Failures are allowed only this long after the kill (HAProxy's check, Galera's eviction of the dead node). */
const FAILURE_WINDOW_MS = 15_000;
const LOAD_BEFORE_KILL_MS = 5_000;
const LOAD_AFTER_KILL_MS = 25_000;
const WORKERS = 4;

const dir = mkdtempSync(path.join(tmpdir(), 'tokengate-galera-'));
let cluster: GaleraCluster;
let mailbox: Mailbox;
let a: ServerProcess;
let b: ServerProcess;

beforeAll(async () => {
  cluster = await startGaleraCluster(dir);
  mailbox = await startMailbox();
  const env = (host: string, name: string) => ({
    DATABASE_URL: `mysql://${DB_USER}:${DB_PASSWORD}@${host}/${DB_NAME}`,
    AUTH_SECRET: TEST_SECRET,
    DATA_DIR: path.join(dir, name),
    // Each signup queues a verification mail; both instances send from the shared outbox.
    SMTP_URL: mailbox.url,
    RATE_LIMIT_IP: '1000000',
    RATE_LIMIT_IP_FAILURES: '1000000',
    ACCOUNT_THROTTLE_AFTER: '0',
    HASH_MAX_WAIT: '60s',
  });
  // Both start at once on the empty database: the migration lock lets one migrate.
  [a, b] = await Promise.all([
    startServer({ cwd: dir, env: env(cluster.front, 'a') }),
    startServer({ cwd: dir, env: env(cluster.nodes[1]!.address, 'b') }),
  ]);
}, 180_000);

afterAll(async () => {
  await Promise.all([a?.stop('SIGTERM'), b?.stop('SIGTERM')]);
  await cluster?.stop();
  await mailbox?.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Outcome {
  at: number;
  instance: 'A' | 'B';
  op: string;
  ok: boolean;
  status: number | string;
}

interface Answer {
  status: number | string;
  body: Record<string, unknown>;
}

const outcomes: Outcome[] = [];
const instances = () => ({ A: a, B: b });

async function call(instance: 'A' | 'B', op: string, path: string, options: { body?: object; token?: string; method?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (options.token) headers['x-access-token'] = options.token;
  let answer: Answer;
  try {
    const res = await fetch(`${instances()[instance].url}${path}`, {
      method: options.method ?? (options.body ? 'POST' : 'GET'),
      headers,
      body: options.body ? JSON.stringify(options.body) : undefined,
      signal: AbortSignal.timeout(30_000),
    });
    answer = { status: res.status, body: (await res.json().catch(() => ({}))) as Record<string, unknown> };
  } catch (error) {
    answer = { status: (error as Error).name, body: {} };
  }
  outcomes.push({ at: Date.now(), instance, op, ok: answer.status === 200, status: answer.status });
  return answer;
}

/** The session id (`sid`) of an access token. */
const sessionOf = (token: string) => (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { sid: string }).sid;

const acknowledged = { signups: [] as string[], signouts: [] as string[] };
const acknowledgedAt = new Map<string, number>();

/** One user's life, over both instances: signup, signin, protected calls, refreshes (two at once), signout. */
async function life(worker: number, round: number): Promise<void> {
  const [x, y]: Array<'A' | 'B'> = (worker + round) % 2 ? ['A', 'B'] : ['B', 'A'];
  const username = `u${worker}r${round}${Math.random().toString(36).slice(2, 6)}`;
  const account = { username, email: `${username}@example.test`, password: `pw-${username}-long-enough` };
  if ((await call(x!, 'signup', '/api/auth/signup', { body: account })).status !== 200) return;
  acknowledged.signups.push(username);
  acknowledgedAt.set(username, Date.now());
  const signin = await call(y!, 'signin', '/api/auth/signin', { body: { username, password: account.password } });
  if (signin.status !== 200) return;
  let { accessToken, refreshToken } = signin.body as { accessToken: string; refreshToken: string };
  if ((await call(x!, 'protected', '/api/test/user', { token: accessToken })).status !== 200) return;
  for (const via of [x!, y!]) {
    const refreshed = await call(via, 'refresh', '/api/auth/refreshtoken', { body: { refreshToken } });
    if (refreshed.status !== 200) return;
    ({ refreshToken } = refreshed.body as { refreshToken: string });
  }
  // Two tabs refreshing at once, through instances on different nodes: both get the same new token.
  const twins = await Promise.all([x!, y!].map((via) => call(via, 'parallel refresh', '/api/auth/refreshtoken', { body: { refreshToken } })));
  if (twins.some((t) => t.status !== 200)) return;
  expect(twins[0]!.body.refreshToken).toBe(twins[1]!.body.refreshToken);
  ({ accessToken, refreshToken } = twins[0]!.body as { accessToken: string; refreshToken: string });
  if ((await call(y!, 'protected', '/api/test/user', { token: accessToken })).status !== 200) return;
  if ((await call(x!, 'signout', '/api/auth/signout', { body: {}, token: accessToken })).status === 200) {
    acknowledged.signouts.push(sessionOf(accessToken));
  }
}

/** Signs out on one instance and measures how long the other keeps accepting the access token. */
async function revocationDelay(from: 'A' | 'B', to: 'A' | 'B'): Promise<number> {
  const username = `rev${from}${Math.random().toString(36).slice(2, 8)}`;
  const account = { username, email: `${username}@example.test`, password: `pw-${username}-long-enough` };
  expect((await call(from, 'signup', '/api/auth/signup', { body: account })).status).toBe(200);
  const signin = await call(from, 'signin', '/api/auth/signin', { body: { username, password: account.password } });
  const { accessToken } = signin.body as { accessToken: string };
  expect((await call(to, 'protected', '/api/test/user', { token: accessToken })).status).toBe(200);
  expect((await call(from, 'signout', '/api/auth/signout', { body: {}, token: accessToken })).status).toBe(200);
  const signedOut = Date.now();
  for (;;) {
    const res = await fetch(`${instances()[to].url}/api/test/user`, { headers: { 'x-access-token': accessToken } });
    if (res.status === 401) return Date.now() - signedOut;
    expect(res.status).toBe(200);
    if (Date.now() - signedOut > 10_000) return Date.now() - signedOut;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('two instances on a 3-node Galera cluster behind HAProxy', () => {
  it('survive the active node being killed under load: nothing acknowledged is lost', async () => {
    const ready: Array<{ at: number; status: number | string }> = [];
    let running = true;
    const readiness = (async () => {
      while (running) {
        const res = await fetch(`${a.url}/readyz`, { signal: AbortSignal.timeout(5_000) }).catch((e: Error) => ({ status: e.name }));
        ready.push({ at: Date.now(), status: res.status });
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    })();
    const workers = Array.from({ length: WORKERS }, async (_, worker) => {
      for (let round = 0; running; round++) await life(worker, round);
    });

    await new Promise((resolve) => setTimeout(resolve, LOAD_BEFORE_KILL_MS));
    const before = outcomes.length;
    const killedAt = Date.now();
    cluster.kill(cluster.nodes[0]!);
    await new Promise((resolve) => setTimeout(resolve, LOAD_AFTER_KILL_MS));
    running = false;
    await Promise.all([...workers, readiness]);

    const failures = outcomes.filter((o) => !o.ok);
    const offsets = failures.map((o) => o.at - killedAt);
    const notReady = ready.filter((r) => r.status !== 200).map((r) => r.at - killedAt);
    const afterWindow = outcomes.filter((o) => o.at - killedAt > FAILURE_WINDOW_MS);
    const delays = { AtoB: await revocationDelay('A', 'B'), BtoA: await revocationDelay('B', 'A') };
    const served = await cluster.nodes[1]!.sql("SHOW STATUS LIKE 'wsrep_cluster_size'");
    const migrated = [a, b].filter((server) => /database migrated/.test(server.output()));

    const users = new Set((await cluster.nodes[1]!.sql(`SELECT username FROM ${DB_NAME}.users`)).split('\n').filter(Boolean));
    const revoked = new Set((await cluster.nodes[2]!.sql(`SELECT sessionId FROM ${DB_NAME}.revocations`)).split('\n').filter(Boolean));
    const lostSignups = acknowledged.signups.filter((u) => !users.has(u));
    const lostSignouts = acknowledged.signouts.filter((sid) => !revoked.has(sid));

    // Every acknowledged signup's verification mail arrives; a message may go out twice only
    // when its sender lost the database between sending it and recording that it was sent.
    for (const username of acknowledged.signups) await mailbox.next(`${username}@example.test`, 30_000);
    const doubled = acknowledged.signups.filter((u) => mailbox.to(`${u}@example.test`).length > 1);
    const doubledLate = doubled.filter((u) => acknowledgedAt.get(u)! - killedAt > FAILURE_WINDOW_MS);

    const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    process.stdout.write(
      `${[
        'Galera cluster test, measured:',
        `  requests: ${outcomes.length} (${before} before the kill), acknowledged signups ${acknowledged.signups.length}, acknowledged signouts ${acknowledged.signouts.length}`,
        `  lost after the kill: ${lostSignups.length} signups, ${lostSignouts.length} signouts`,
        `  verification mails: every acknowledged signup's arrived; sent twice: ${doubled.length} (${doubledLate.length} of signups after the window)`,
        `  failed requests: ${failures.length}` +
          (failures.length ? `, from ${seconds(Math.min(...offsets))} to ${seconds(Math.max(...offsets))} after the kill` : '') +
          (failures.length ? ` (${[...new Set(failures.map((f) => `${f.instance} ${f.op} ${f.status}`))].join(', ')})` : ''),
        `  /readyz of A (through HAProxy) not ready: ${notReady.length} checks` +
          (notReady.length ? `, from ${seconds(Math.min(...notReady))} to ${seconds(Math.max(...notReady))} after the kill` : ''),
        `  requests later than ${seconds(FAILURE_WINDOW_MS)} after the kill: ${afterWindow.length}, all succeeded: ${afterWindow.every((o) => o.ok)}`,
        `  refreshes of one token at once on both instances: ${outcomes.filter((o) => o.op === 'parallel refresh').length}, answered 200 with the same new token: ${outcomes.filter((o) => o.op === 'parallel refresh' && o.ok).length}`,
        `  revocation delay: signout on A honoured by B after ${delays.AtoB} ms, on B by A after ${delays.BtoA} ms`,
        `  cluster after the kill: ${served.trim()}; instances that migrated at their concurrent first start: ${migrated.length}`,
      ].join('\n')}\n`,
    );

    expect(migrated).toHaveLength(1);
    expect(acknowledged.signups.length).toBeGreaterThan(0);
    expect(lostSignups).toEqual([]);
    expect(lostSignouts).toEqual([]);
    expect(doubledLate).toEqual([]);
    // Failures only in the window after the kill, none before it.
    expect(offsets.filter((ms) => ms < 0 || ms > FAILURE_WINDOW_MS)).toEqual([]);
    // Both instances kept working after the window, A through HAProxy on another node.
    for (const instance of ['A', 'B'] as const) {
      const late = afterWindow.filter((o) => o.instance === instance);
      expect(late.length).toBeGreaterThan(0);
      expect(late.every((o) => o.ok)).toBe(true);
    }
    expect(delays.AtoB).toBeLessThan(5_000);
    expect(delays.BtoA).toBeLessThan(5_000);
    for (const server of [a, b]) expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
  });
});
