import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_SECRET } from '../helpers/app.js';
import { startMailbox, type Mailbox } from '../helpers/mailbox.js';
import { startServer, type ServerProcess } from '../helpers/processes.js';
import { DB_NAME, DB_PASSWORD, DB_USER, startGaleraCluster, type GaleraCluster } from './galera-cluster.js';
import { createTimeline } from './timeline.js';

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
/**
 * One request's bound: a request that hangs is a failure, recorded when it gives up, so one that
 * hangs from the kill on lands at the end of the failure window. The slowest that succeed wait
 * out Galera's eviction of the dead node (evs.suspect_timeout, 5 s): about 7 s under load.
 */
const REQUEST_TIMEOUT_MS = FAILURE_WINDOW_MS;
/**
 * How long the verification mails may take, all together, once the load has stopped: a message
 * whose sender lost the database is sent again at its next run (mail poll 5 s), one whose
 * attempt failed and was recorded at its first retry (10 s).
 */
const MAIL_WAIT_MS = 30_000;

const print = (line: string) => process.stdout.write(`${line}\n`);
const timeline = createTimeline(print);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const dir = mkdtempSync(path.join(tmpdir(), 'tokengate-galera-'));
let cluster: GaleraCluster;
let mailbox: Mailbox;
let a: ServerProcess;
let b: ServerProcess;

beforeAll(async () => {
  cluster = await timeline.phase('cluster start (3 nodes, HAProxy)', 150_000, () => startGaleraCluster(dir, print));
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
  [a, b] = await timeline.phase('instances A and B start', 25_000, () =>
    Promise.all([
      startServer({ cwd: dir, env: env(cluster.front, 'a') }),
      startServer({ cwd: dir, env: env(cluster.nodes[1]!.address, 'b') }),
    ]),
  );
}, 180_000);

afterAll(async () => {
  print(timeline.report());
  await timeline.phase('teardown', 25_000, async () => {
    await Promise.all([a, b].map((server) => server && stopWithin(server, 10_000)));
    await cluster?.stop();
    await mailbox?.stop();
  });
  rmSync(dir, { recursive: true, force: true });
}, 30_000);

/** SIGTERM, and SIGKILL if it has not exited after `ms` (its graceful shutdown hung). */
async function stopWithin(server: ServerProcess, ms: number): Promise<void> {
  const exited = server.stop('SIGTERM');
  const hung = await Promise.race([exited.then(() => false), sleep(ms).then(() => true)]);
  if (!hung) return;
  print(`cluster test: an instance did not exit within ${ms / 1000} s of SIGTERM; killing it. Its last output:\n${server.output().slice(-2000)}`);
  await server.stop('SIGKILL');
}

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
  const record = timeline.request(instance, op);
  try {
    const res = await fetch(`${instances()[instance].url}${path}`, {
      method: options.method ?? (options.body ? 'POST' : 'GET'),
      headers,
      body: options.body ? JSON.stringify(options.body) : undefined,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    answer = { status: res.status, body: (await res.json().catch(() => ({}))) as Record<string, unknown> };
    const code = answer.body.code;
    record.done(res.status, res.status === 200 ? undefined : typeof code === 'string' ? code : undefined);
  } catch (error) {
    answer = { status: (error as Error).name, body: {} };
    record.done(answer.status, (error as Error).message);
  }
  outcomes.push({ at: Date.now(), instance, op, ok: answer.status === 200, status: answer.status });
  return answer;
}

/** Waits up to MAIL_WAIT_MS for every acknowledged signup's verification mail; names the missing ones. */
async function allMailsArrive(killedAt: number): Promise<void> {
  const deadline = Date.now() + MAIL_WAIT_MS;
  const missing = () => acknowledged.signups.filter((u) => mailbox.to(`${u}@example.test`).length === 0);
  while (missing().length > 0 && Date.now() < deadline) await sleep(100);
  const left = missing();
  if (left.length === 0) return;
  const mailLog = (server: ServerProcess) =>
    server
      .output()
      .split('\n')
      .filter((line) => /mail/i.test(line) && /warn|error|fail/i.test(line))
      .slice(-5)
      .join('\n');
  throw new Error(
    `${left.length} verification mails did not arrive within ${MAIL_WAIT_MS / 1000} s: ` +
      left.map((u) => `${u} (acknowledged ${((acknowledgedAt.get(u)! - killedAt) / 1000).toFixed(1)} s after the kill)`).join(', ') +
      `\nmail warnings of A:\n${mailLog(a)}\nmail warnings of B:\n${mailLog(b)}`,
  );
}

/** How many messages an instance released from the claims of its failed runs (its log says so). */
const released = (server: ServerProcess) =>
  server
    .output()
    .split('\n')
    .filter((line) => line.includes('mail claimed by a failed run released'))
    .reduce((sum, line) => sum + Number(/"released":(\d+)/.exec(line)?.[1] ?? 0), 0);

/** The `n` slowest requests so far: instance, operation, duration, when it started. */
function slowestRequests(n: number): string {
  return [...timeline.requests]
    .filter((r) => r.end !== undefined)
    .sort((x, y) => y.end! - y.start - (x.end! - x.start))
    .slice(0, n)
    .map((r) => `${r.instance} ${r.op} ${r.end! - r.start} ms (${r.status}, started ${timeline.stamp(r.start)})`)
    .join(', ');
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
    // Not an outcome of the load: a 401 is the answer this waits for.
    const record = timeline.request(to, 'protected after signout');
    const res = await fetch(`${instances()[to].url}/api/test/user`, {
      headers: { 'x-access-token': accessToken },
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    record.done(res.status);
    if (res.status === 401) return Date.now() - signedOut;
    expect(res.status).toBe(200);
    if (Date.now() - signedOut > 10_000) return Date.now() - signedOut;
    await sleep(50);
  }
}

describe('two instances on a 3-node Galera cluster behind HAProxy', () => {
  it('survive the active node being killed under load: nothing acknowledged is lost', async () => {
    const ready: Array<{ at: number; status: number | string }> = [];
    let running = true;
    const readiness = (async () => {
      while (running) {
        const record = timeline.request('A', 'readyz');
        const res = await fetch(`${a.url}/readyz`, { signal: AbortSignal.timeout(5_000) }).catch((e: Error) => ({ status: e.name }));
        record.done(res.status);
        ready.push({ at: Date.now(), status: res.status });
        await sleep(250);
      }
    })();
    const workers = Array.from({ length: WORKERS }, async (_, worker) => {
      for (let round = 0; running; round++) await life(worker, round);
    });

    await timeline.phase('load before the kill', LOAD_BEFORE_KILL_MS + 5_000, () => sleep(LOAD_BEFORE_KILL_MS));
    const before = outcomes.length;
    const killedAt = Date.now();
    print(`cluster test ${timeline.stamp(killedAt)}: SIGKILL to node1`);
    cluster.kill(cluster.nodes[0]!);
    await timeline.phase('load after the kill', LOAD_AFTER_KILL_MS + 5_000, () => sleep(LOAD_AFTER_KILL_MS));
    running = false;
    // Each worker ends the round it is in: a few requests, each bounded by REQUEST_TIMEOUT_MS.
    await timeline.phase('workers finish their rounds', 2 * REQUEST_TIMEOUT_MS, () => Promise.all([...workers, readiness]));

    const failures = outcomes.filter((o) => !o.ok);
    const offsets = failures.map((o) => o.at - killedAt);
    const notReady = ready.filter((r) => r.status !== 200).map((r) => r.at - killedAt);
    const afterWindow = outcomes.filter((o) => o.at - killedAt > FAILURE_WINDOW_MS);
    const delays = await timeline.phase('revocation delays', 40_000, async () => ({
      AtoB: await revocationDelay('A', 'B'),
      BtoA: await revocationDelay('B', 'A'),
    }));
    const migrated = [a, b].filter((server) => /database migrated/.test(server.output()));
    const { served, users, revoked } = await timeline.phase('what the surviving nodes hold', 20_000, async () => ({
      served: await cluster.nodes[1]!.sql("SHOW STATUS LIKE 'wsrep_cluster_size'"),
      users: new Set((await cluster.nodes[1]!.sql(`SELECT username FROM ${DB_NAME}.users`)).split('\n').filter(Boolean)),
      revoked: new Set((await cluster.nodes[2]!.sql(`SELECT sessionId FROM ${DB_NAME}.revocations`)).split('\n').filter(Boolean)),
    }));
    const lostSignups = acknowledged.signups.filter((u) => !users.has(u));
    const lostSignouts = acknowledged.signouts.filter((sid) => !revoked.has(sid));

    // Every acknowledged signup's verification mail arrives; a message may go out twice only
    // when its sender lost the database between sending it and recording that it was sent.
    const mailsStarted = Date.now();
    await timeline.phase('verification mails arrive', MAIL_WAIT_MS + 5_000, () => allMailsArrive(killedAt));
    const mailDelays = acknowledged.signups.map((u) => ({ u, ms: mailbox.to(`${u}@example.test`)[0]!.at - acknowledgedAt.get(u)! }));
    const slowestMail = mailDelays.reduce((x, y) => (y.ms > x.ms ? y : x), { u: '', ms: 0 });
    const doubled = acknowledged.signups.filter((u) => mailbox.to(`${u}@example.test`).length > 1);
    const doubledLate = doubled.filter((u) => acknowledgedAt.get(u)! - killedAt > FAILURE_WINDOW_MS);

    const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    process.stdout.write(
      `${[
        'Galera cluster test, measured:',
        `  requests: ${outcomes.length} (${before} before the kill), acknowledged signups ${acknowledged.signups.length}, acknowledged signouts ${acknowledged.signouts.length}`,
        `  lost after the kill: ${lostSignups.length} signups, ${lostSignouts.length} signouts`,
        `  verification mails: every acknowledged signup's arrived; sent twice: ${doubled.length} (${doubledLate.length} of signups after the window)`,
        `  slowest verification mail: ${seconds(slowestMail.ms)} after its signup (acknowledged ${seconds(acknowledgedAt.get(slowestMail.u)! - killedAt)} after the kill); waited ${seconds(Date.now() - mailsStarted)} for them`,
        `  messages claimed by a mail run that lost the database, released at the next run: A ${released(a)}, B ${released(b)}`,
        `  slowest requests: ${slowestRequests(3)}`,
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
    for (const server of [a, b]) expect((await fetch(`${server.url}/readyz`, { signal: AbortSignal.timeout(5_000) })).status).toBe(200);
  });
});
