/*
 * npm run bench: Tokengate with its production defaults next to a bare Express 5 route and to
 * the tutorial-style reference server (bench/tutorial-server.ts: jsonwebtoken, bcryptjs,
 * Sequelize), in one run, on SQLite and (when they answer) MariaDB, with the signin flood also
 * on PostgreSQL. Load comes from wrk when it is installed (it needs far less CPU than a Node.js
 * load generator), else from autocannon. The servers get CPU 0 and the load generator the last
 * CPU (taskset), so they do not compete. Each scenario alternates the servers it compares for
 * several rounds after a warm-up of each and takes the median ratio, both of requests per second
 * and of the server's CPU time per request (which a noisy machine disturbs far less). Prints one
 * table with every target of the performance issue, its ratio and whether it holds, and writes
 * the figures to bench/results/.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { BENCH_MARIADB_URL, BENCH_POSTGRES_URL, createBenchDatabase, createBenchPostgresDatabase, type BenchDatabase } from './bench-database.js';
import type { LoadResult, LoadSettings } from './load.js';
import { OWASP_ARGON2 } from '../src/features/passwords/password-hasher.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
/** Parts of the run, for profiling one of them: all by default. */
const SCENARIOS = new Set((process.env.BENCH_SCENARIOS ?? 'boards,refresh,signin,flood').split(',').map((s) => s.trim()));
const DIALECTS = new Set((process.env.BENCH_DIALECTS ?? 'sqlite,mariadb,postgres').split(',').map((s) => s.trim()));
const CPU_COUNT = availableParallelism();
const taskset = spawnSync('taskset', ['--version']).status === 0;
const SERVER_CPU = CPU_COUNT >= 2 && taskset ? '0' : undefined;
const LOAD_CPU = CPU_COUNT >= 2 && taskset ? String(CPU_COUNT - 1) : undefined;
const pinned = (cpu: string | undefined, command: string[]) => (cpu ? ['taskset', '-c', cpu, ...command] : command);
const WRK = spawnSync('wrk', ['--version']).error === undefined;
const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

const work = mkdtempSync(path.join(tmpdir(), 'tokengate-bench-'));
const children: ChildProcess[] = [];
process.on('exit', (code) => {
  for (const child of children) child.kill('SIGKILL');
  if (code === 0) rmSync(work, { recursive: true, force: true });
  else process.stderr.write(`bench: failed; the servers' logs are in ${work}\n`);
});

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface Server {
  url: string;
  pid: number;
  /** SIGTERM, resolved when the process has exited. */
  stop(): Promise<void>;
}

async function startServer(name: string, command: string[], env: Record<string, string>): Promise<Server> {
  const port = await freePort();
  const out = openSync(path.join(work, `${name}.log`), 'a');
  const [program, ...args] = pinned(SERVER_CPU, command) as [string, ...string[]];
  const child = spawn(program, args, { cwd: ROOT, env: { ...process.env, ...env, PORT: String(port) }, stdio: ['ignore', out, out] });
  children.push(child);
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`${name} exited: see ${path.join(work, `${name}.log`)}`);
    if (await fetch(`${url}/api/test/all`).then((r) => r.ok, () => false)) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      return { url, pid: child.pid!, stop: () => (child.kill('SIGTERM'), exited) };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} did not start`);
}

function load(settings: LoadSettings): Promise<LoadResult> {
  const [program, ...args] = pinned(LOAD_CPU, [process.execPath, '--import', 'tsx', 'bench/load.ts', JSON.stringify(settings)]) as [
    string,
    ...string[],
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as LoadResult) : reject(new Error(`load exited ${code}`))));
  });
}

async function post<T>(url: string, body: object): Promise<T> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/**
 * Milliseconds of CPU time of one argon2id verify at Tokengate's parameters, with the library
 * Tokengate uses, on the server's CPU. CPU time rather than wall time, so that other processes
 * on a busy machine do not shrink the capacity.
 */
function hashMilliseconds(): number {
  const script = `
    const { hashSync, verifySync } = require('@node-rs/argon2');
    const h = hashSync('benchmark-password', ${JSON.stringify({ algorithm: 2, ...OWASP_ARGON2 })});
    for (let i = 0; i < 3; i++) verifySync(h, 'benchmark-password');
    const t = process.cpuUsage();
    for (let i = 0; i < 20; i++) verifySync(h, 'benchmark-password');
    const used = process.cpuUsage(t);
    console.log((used.user + used.system) / 1000 / 20);`;
  const [program, ...args] = pinned(SERVER_CPU, [process.execPath, '-e', script]) as [string, ...string[]];
  return Number(spawnSync(program, args, { cwd: ROOT, encoding: 'utf8' }).stdout.trim());
}

/** Seconds of CPU the process has used (user + system). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/**
 * Seconds of CPU used by the process's hashing threads: the threads that run at a raised nice
 * value (src/features/passwords/hash-threads.ts), read from /proc/<pid>/task/<tid>/stat.
 */
function hashThreadSeconds(pid: number): number {
  let total = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const fields = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      if (Number(fields[16]) > 0) total += (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return total;
}

/** wrk's "1.23ms" / "456.78us" / "1.2s" in milliseconds. */
function wrkMilliseconds(text: string): number {
  const [, value = '0', unit = 'ms'] = /([\d.]+)(us|ms|s)/.exec(text) ?? [];
  return Number(value) * (unit === 'us' ? 0.001 : unit === 's' ? 1000 : 1);
}

interface Throughput extends LoadResult {
  /** Server CPU time per request, in microseconds. */
  cpuMicros: number;
}

/** GET load on one URL for `seconds`, with the server's CPU time per request. */
async function throughput(server: Server, path: string, headers: Record<string, string>, seconds: number): Promise<Throughput> {
  const before = cpuSeconds(server.pid);
  let result: LoadResult;
  if (WRK) {
    const args = ['-t1', '-c20', `-d${seconds}s`, '--latency', ...Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]), `${server.url}${path}`];
    const [program, ...rest] = pinned(LOAD_CPU, ['wrk', ...args]) as [string, ...string[]];
    const out = spawnSync(program, rest, { encoding: 'utf8' }).stdout;
    const total = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
    const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
    result = {
      requestsPerSecond: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0),
      okPerSecond: (total - non2xx) / seconds,
      p50: wrkMilliseconds(/ 50%\s+(\S+)/.exec(out)?.[1] ?? ''),
      p99: wrkMilliseconds(/ 99%\s+(\S+)/.exec(out)?.[1] ?? ''),
      total,
      statusCodes: non2xx ? { other: non2xx } : {},
      errors: Number(/Socket errors: .*?(\d+)/.exec(out)?.[1] ?? 0),
      timeouts: Number(/timeout (\d+)/.exec(out)?.[1] ?? 0),
      seconds,
    };
  } else {
    result = await load({ url: `${server.url}${path}`, headers, connections: 20, duration: seconds });
  }
  const cpu = cpuSeconds(server.pid) - before;
  return { ...result, cpuMicros: result.total ? (cpu * 1e6) / result.total : NaN };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function rssMegabytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
}

interface Row {
  figure: string;
  tokengate: string;
  reference: string;
  ratio: string;
  target: string;
  /** undefined: a figure shown for context, without a target. */
  holds: boolean | undefined;
}
const rows: Row[] = [];
const figures: Record<string, unknown> = {};
const fmt = (r: LoadResult) => `${Math.round(r.requestsPerSecond)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms`;
const describe = (r: Throughput) => `${fmt(r)}, ${r.cpuMicros.toFixed(0)} µs CPU/req`;
const times = (n: number) => `${n.toFixed(2)}×`;
const roundsText = (values: number[]) => `rounds ${values.map((v) => v.toFixed(2)).join(', ')}`;

interface Measured extends Throughput {
  /** CPU time of the hashing threads per request, in microseconds. */
  hashMicros: number;
}

/** One autocannon run with the server's CPU time per request, and its hashing threads' share. */
async function measuredLoad(server: Server, settings: LoadSettings): Promise<Measured> {
  const before = cpuSeconds(server.pid);
  const hashBefore = hashThreadSeconds(server.pid);
  const result = await load(settings);
  const cpu = cpuSeconds(server.pid) - before;
  const hash = hashThreadSeconds(server.pid) - hashBefore;
  const per = (seconds: number) => (result.total ? (seconds * 1e6) / result.total : NaN);
  return { ...result, cpuMicros: per(cpu), hashMicros: per(hash) };
}

/**
 * Runs each measurement once to warm it up (the JIT, the connection pools), then ROUNDS rounds
 * in a rotating order, so that no server always runs first; returns each one's rounds.
 */
async function alternate<T>(runs: Record<string, () => Promise<T>>): Promise<Record<string, T[]>> {
  const names = Object.keys(runs);
  const results: Record<string, T[]> = Object.fromEntries(names.map((name) => [name, [] as T[]]));
  for (const name of names) await runs[name]!();
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + round) % names.length]!;
      results[name]!.push(await runs[name]!());
    }
  }
  return results;
}

/** The median over the rounds of f(a) / f(b), each round with its own pair. */
function medianRatio<T>(a: T[], b: T[], f: (t: T) => number): { value: number; rounds: number[] } {
  const rounds = a.map((value, i) => f(value) / f(b[i]!));
  return { value: median(rounds), rounds };
}

function assertAnswered(name: string, what: string, r: LoadResult): void {
  // Compare counts, not rates: autocannon's per-second average and its duration differ slightly.
  if (r.okPerSecond * r.seconds < 0.99 * r.total) {
    throw new Error(`${what}: ${name} answered errors: ${JSON.stringify(r.statusCodes)}, ${r.errors} socket errors`);
  }
}

interface Bench extends Server {
  name: string;
  token: string;
  adminToken: string;
  /** The bench user's signin body (JSON). */
  credentials: string;
  signin(): Promise<{ refreshToken: string }>;
}

const USER = { username: 'bench.user', email: 'bench.user@example.test', password: 'a benchmark passphrase' };
const ADMIN = { username: 'bench.admin', email: 'bench.admin@example.test', password: 'an admin benchmark passphrase' };

async function tokengateOn(name: string, databaseUrl: string, extra: Record<string, string> = {}): Promise<Bench> {
  const dataDir = path.join(work, name);
  mkdirSync(dataDir, { recursive: true });
  const env = {
    NODE_ENV: 'production',
    AUTH_SECRET: randomBytes(48).toString('base64url'),
    DATABASE_URL: databaseUrl,
    DATA_DIR: dataDir,
    // All load comes from one address: the per-address limits would measure themselves.
    RATE_LIMIT_IP: '1000000',
    RATE_LIMIT_IP_FAILURES: '1000000',
    // The refresh scenario keeps many sessions of one user alive at once.
    MAX_SESSIONS_PER_USER: '10000',
    ...extra,
  };
  const server = await startServer(name, [process.execPath, 'dist/main.js'], env);
  await post(`${server.url}/api/auth/signup`, USER);
  spawnSync(process.execPath, ['dist/cli/index.js', 'users:create', '--username', ADMIN.username, '--email', ADMIN.email, '--role', 'admin'], {
    cwd: ROOT,
    env: { ...process.env, ...env, TOKENGATE_PASSWORD: ADMIN.password },
  });
  const signin = () => post<{ accessToken: string; refreshToken: string }>(`${server.url}/api/auth/signin`, USER);
  const admin = await post<{ accessToken: string }>(`${server.url}/api/auth/signin`, { username: ADMIN.username, password: ADMIN.password });
  const credentials = JSON.stringify({ username: USER.username, password: USER.password });
  return { ...server, name, token: (await signin()).accessToken, adminToken: admin.accessToken, credentials, signin };
}

/** The tutorial-style reference on its own database of the same kind. */
async function referenceOn(name: string, databaseUrl: string): Promise<Bench> {
  const server = await startServer(name, [process.execPath, '--import', 'tsx', 'bench/tutorial-server.ts'], { DATABASE_URL: databaseUrl });
  await post(`${server.url}/api/auth/signup`, USER);
  await post(`${server.url}/api/auth/signup`, { ...ADMIN, roles: ['user', 'admin'] });
  const signin = () => post<{ accessToken: string; refreshToken: string }>(`${server.url}/api/auth/signin`, USER);
  const admin = await post<{ accessToken: string }>(`${server.url}/api/auth/signin`, { username: ADMIN.username, password: ADMIN.password });
  const credentials = JSON.stringify({ username: USER.username, password: USER.password });
  return { ...server, name, token: (await signin()).accessToken, adminToken: admin.accessToken, credentials, signin };
}

type Kind = 'sqlite' | 'mariadb' | 'postgres';
const drops: BenchDatabase[] = [];

/** A fresh database of this kind for one server, or undefined when that server does not answer. */
async function database(kind: Kind, label: string): Promise<string | undefined> {
  if (kind === 'sqlite') return `sqlite:${path.join(work, `${label}.sqlite`)}`;
  const created = kind === 'mariadb' ? await createBenchDatabase() : await createBenchPostgresDatabase();
  if (!created) return undefined;
  drops.push(created);
  log(`bench: ${created.where} for ${label} (created for this run, dropped afterwards)`);
  return created.url;
}

/** The boards on Tokengate, the bare route and the reference, alternating. */
async function boards(dialect: string, tg: Bench, ref: Bench, bare: Server, withPublic: boolean): Promise<number | undefined> {
  const paths: Array<{ path: string; tg: Record<string, string>; ref: Record<string, string> }> = [
    ...(withPublic ? [{ path: '/api/test/all', tg: {}, ref: {} }] : []),
    { path: '/api/test/user', tg: { 'x-access-token': tg.token }, ref: { 'x-access-token': ref.token } },
    { path: '/api/test/admin', tg: { 'x-access-token': tg.adminToken }, ref: { 'x-access-token': ref.adminToken } },
  ];
  let publicMicros: number | undefined;
  for (const board of paths) {
    const r = await alternate({
      tokengate: () => throughput(tg, board.path, board.tg, SECONDS),
      bare: () => throughput(bare, board.path, {}, SECONDS),
      reference: () => throughput(ref, board.path, board.ref, SECONDS),
    });
    for (const name of ['tokengate', 'reference'] as const) for (const result of r[name]!) assertAnswered(name, board.path, result);
    const rps = (t: Throughput) => t.requestsPerSecond;
    const cpu = (t: Throughput) => t.cpuMicros;
    const vsBare = medianRatio(r.tokengate!, r.bare!, rps);
    const cpuVsBare = medianRatio(r.bare!, r.tokengate!, cpu);
    const vsRef = medianRatio(r.tokengate!, r.reference!, rps);
    const cpuVsRef = medianRatio(r.reference!, r.tokengate!, cpu);
    const last = (name: string) => r[name]![r[name]!.length - 1]!;
    const tgMicros = median(r.tokengate!.map(cpu));
    if (board.path === '/api/test/all') publicMicros = tgMicros;
    const isPublic = board.path === '/api/test/all';
    rows.push({
      figure: `GET ${board.path} vs bare Express, ${dialect}`,
      tokengate: describe(last('tokengate')),
      reference: `bare: ${describe(last('bare'))}`,
      ratio: `${times(vsBare.value)} req/s, ${times(cpuVsBare.value)} CPU/req (bare's ÷ Tokengate's; ${roundsText(cpuVsBare.rounds)})`,
      target: isPublic ? '—' : '≥ 0.8× (CPU/req ratio)',
      holds: isPublic ? undefined : cpuVsBare.value >= 0.8,
    });
    const refTarget = board.path === '/api/test/user' ? 'less CPU/req than the reference (> 1×)' : board.path === '/api/test/admin' ? '≥ 3× (CPU/req ratio)' : '—';
    rows.push({
      figure: `GET ${board.path} vs reference, ${dialect}`,
      tokengate: `${Math.round(median(r.tokengate!.map(rps)))} req/s, ${tgMicros.toFixed(0)} µs CPU/req (medians)`,
      reference: describe(last('reference')),
      ratio: `${times(vsRef.value)} req/s, ${times(cpuVsRef.value)} CPU/req (reference's ÷ Tokengate's; ${roundsText(cpuVsRef.rounds)})`,
      target: refTarget,
      holds: board.path === '/api/test/user' ? cpuVsRef.value > 1 : board.path === '/api/test/admin' ? cpuVsRef.value >= 3 : undefined,
    });
    figures[`${dialect} ${board.path}`] = r;
    log(`${dialect} ${board.path}: ${times(vsBare.value)} of bare, ${times(vsRef.value)} of the reference (req/s)`);
  }
  return publicMicros;
}

/** Refresh with rotation on and off against the reference's, alternating; fresh sessions each run. */
async function refreshes(dialect: string, on: Bench, off: Bench, ref: Bench): Promise<void> {
  const run = async (server: Bench) => {
    const sessions: Array<{ refreshToken: string }> = [];
    for (let i = 0; i < 40; i++) sessions.push(await server.signin());
    return measuredLoad(server, {
      url: `${server.url}/api/auth/refreshtoken`,
      connections: 40,
      duration: SECONDS,
      refreshTokens: sessions.map((s) => s.refreshToken),
    });
  };
  const r = await alternate({ on: () => run(on), off: () => run(off), reference: () => run(ref) });
  for (const name of ['on', 'off', 'reference'] as const) for (const result of r[name]!) assertAnswered(name, 'refresh', result);
  const ok = (t: Measured) => t.okPerSecond;
  const text = (t: Measured[]) =>
    `${Math.round(median(t.map(ok)))} refreshes/s, ${(median(t.map((x) => x.cpuMicros)) / 1000).toFixed(2)} ms CPU each, p99 ${t[t.length - 1]!.p99} ms`;
  for (const [name, target] of [
    ['off', 1.0],
    ['on', 0.6],
  ] as const) {
    const ratio = medianRatio(r[name]!, r.reference!, ok);
    rows.push({
      figure: `refresh, rotation ${name}, one worker, ${dialect}`,
      tokengate: text(r[name]!),
      reference: `${text(r.reference!)} (no rotation)`,
      ratio: `${times(ratio.value)} (${roundsText(ratio.rounds)})`,
      target: `≥ ${target.toFixed(1)}× the reference`,
      holds: ratio.value >= target,
    });
    log(`${dialect} refresh, rotation ${name}: ${times(ratio.value)} of the reference`);
  }
  figures[`${dialect} refresh`] = r;
}

/** Signin on Tokengate (and the reference): throughput, and CPU per signin outside the hash. */
async function signins(dialect: string, tg: Bench, ref: Bench | undefined, capacity: number): Promise<number> {
  const settings = (server: Bench): LoadSettings => ({
    url: `${server.url}/api/auth/signin`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: server.credentials,
    connections: 4,
    duration: SECONDS,
  });
  const r = await alternate({ tokengate: () => measuredLoad(tg, settings(tg)), ...(ref ? { reference: () => measuredLoad(ref, settings(ref)) } : {}) });
  for (const [name, results] of Object.entries(r)) for (const result of results) assertAnswered(name, 'signin', result);
  const ok = (t: Measured) => t.okPerSecond;
  const outside = median(r.tokengate!.map((t) => t.cpuMicros - t.hashMicros));
  const hash = median(r.tokengate!.map((t) => t.hashMicros));
  const tgText = `${median(r.tokengate!.map(ok)).toFixed(1)} signins/s, ${(median(r.tokengate!.map((t) => t.cpuMicros)) / 1000).toFixed(2)} ms CPU each`;
  rows.push({
    figure: `signin CPU outside the password hash, ${dialect}`,
    tokengate: `${(outside / 1000).toFixed(2)} ms (of ${(median(r.tokengate!.map((t) => t.cpuMicros)) / 1000).toFixed(2)} ms; hashing threads ${(hash / 1000).toFixed(2)} ms)`,
    reference: '—',
    ratio: '—',
    target: '≤ 1.5 ms',
    holds: outside <= 1500,
  });
  if (r.reference) {
    const ratio = medianRatio(r.tokengate!, r.reference, ok);
    rows.push({
      figure: `signin throughput, 4 connections, ${dialect}`,
      tokengate: tgText,
      reference: `${median(r.reference.map(ok)).toFixed(1)} signins/s, ${(median(r.reference.map((t) => t.cpuMicros)) / 1000).toFixed(2)} ms CPU each (bcrypt cost 8)`,
      ratio: `${times(ratio.value)} (${roundsText(ratio.rounds)})`,
      target: '≥ 1.3× the reference',
      holds: ratio.value >= 1.3,
    });
  }
  rows.push({
    figure: `signin vs hashing capacity, ${dialect}`,
    tokengate: tgText,
    reference: `capacity ${capacity.toFixed(1)}/s`,
    ratio: `${times(median(r.tokengate!.map(ok)) / capacity)} capacity`,
    target: '—',
    holds: undefined,
  });
  figures[`${dialect} signin`] = r;
  return outside;
}

/**
 * 64 connections hammering signin (each sends its next request as soon as it has an answer, so
 * fast refusals come back as more requests) while the public board is probed at 200 requests
 * per second.
 * The CPU of a shed request is estimated from the server's CPU outside the hashing threads
 * during the flood, less the admitted signins' (at their measured cost outside the hash) and the
 * board probes' (at the public board's measured cost), divided by the refused requests.
 */
async function flood(dialect: string, tg: Bench, ref: Bench | undefined, capacity: number, signinOutsideMicros: number, publicMicros: number): Promise<void> {
  // The public board's cost, measured here when the boards scenario did not run.
  const boardMicros = Number.isNaN(publicMicros) ? (await throughput(tg, '/api/test/all', {}, SECONDS)).cpuMicros : publicMicros;
  const run = async (server: Bench) => {
    const before = cpuSeconds(server.pid);
    const hashBefore = hashThreadSeconds(server.pid);
    const [signin, probe] = await Promise.all([
      load({
        url: `${server.url}/api/auth/signin`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: server.credentials,
        connections: 64,
        duration: SECONDS * 2,
      }),
      load({ url: `${server.url}/api/test/all`, connections: 10, duration: SECONDS * 2, overallRate: 200 }),
    ]);
    const hashSeconds = hashThreadSeconds(server.pid) - hashBefore;
    const outsideHash = cpuSeconds(server.pid) - before - hashSeconds;
    return { signin, probe, outsideHash, hashSeconds };
  };
  const t = await run(tg);
  const r = ref ? await run(ref) : undefined;
  const refused = (t.signin.statusCodes['503'] ?? 0) + (t.signin.statusCodes['429'] ?? 0);
  const admitted = t.signin.statusCodes['200'] ?? 0;
  const shedMicros = refused >= 100 ? (t.outsideHash * 1e6 - admitted * signinOutsideMicros - t.probe.total * boardMicros) / refused : NaN;
  const statuses = `signins ${JSON.stringify(t.signin.statusCodes)}, timeouts ${t.signin.timeouts}, errors ${t.signin.errors}`;
  rows.push({
    figure: `public board p99 during a signin flood (64 connections), ${dialect}`,
    tokengate: `board p50 ${t.probe.p50} ms, p99 ${t.probe.p99} ms; ${statuses}`,
    reference: r ? `board p50 ${r.probe.p50} ms, p99 ${r.probe.p99} ms; signins ${JSON.stringify(r.signin.statusCodes)}, timeouts ${r.signin.timeouts}` : '—',
    ratio: '—',
    target: '< 50 ms, no timeouts',
    holds: t.probe.p99 < 50 && t.signin.timeouts === 0,
  });
  rows.push({
    figure: `CPU per shed signin (503/429) during the flood, ${dialect}`,
    tokengate: refused >= 100 ? `${shedMicros.toFixed(0)} µs (estimated, over ${refused} refused)` : `${refused} refused: too few to estimate`,
    reference: '—',
    ratio: '—',
    target: '< 100 µs',
    holds: refused >= 100 && shedMicros < 100,
  });
  const admittedRate = admitted / t.signin.seconds;
  rows.push({
    figure: `admitted signins during the flood vs hashing capacity, ${dialect}`,
    tokengate: `${admittedRate.toFixed(1)} signins/s, p50 ${t.signin.p50} ms; hashing threads busy ${((100 * t.hashSeconds) / t.signin.seconds).toFixed(0)} % of the time`,
    reference: `capacity ${capacity.toFixed(1)}/s`,
    ratio: `${times(admittedRate / capacity)} capacity`,
    target: '≥ 0.8× capacity',
    holds: admittedRate >= 0.8 * capacity,
  });
  figures[`${dialect} flood`] = { tokengate: t, reference: r, shedMicros };
  log(`${dialect} flood: board p99 ${t.probe.p99} ms, ${admittedRate.toFixed(1)} admitted/s, shed ≈ ${shedMicros.toFixed(0)} µs`);
}

async function main(): Promise<void> {
  log(`CPUs: ${CPU_COUNT} (${cpus()[0]?.model ?? 'unknown'}); servers on CPU ${SERVER_CPU ?? 'any'}, load on CPU ${LOAD_CPU ?? 'any'}`);
  log(`bench: SQLite databases in ${work} (a temporary folder, removed afterwards)`);
  const bare = await startServer('bare', [process.execPath, '--import', 'tsx', 'bench/bare-server.ts'], {});
  const hashMs = hashMilliseconds();
  const serverCores = SERVER_CPU ? 1 : CPU_COUNT;
  const capacity = (serverCores * 1000) / hashMs;
  log(`bench: hashing capacity ${capacity.toFixed(1)}/s (${serverCores} core ÷ ${hashMs.toFixed(1)} ms per argon2id verify)`);
  figures.hashing = { hashMs, capacity };
  let publicMicros = NaN;
  const dialects: Array<{ name: string; kind: Kind; where: string; full: boolean }> = [
    { name: 'SQLite', kind: 'sqlite', where: '', full: true },
    { name: 'MariaDB', kind: 'mariadb', where: new URL(BENCH_MARIADB_URL).host, full: true },
    { name: 'PostgreSQL', kind: 'postgres', where: new URL(BENCH_POSTGRES_URL).host, full: false },
  ];
  try {
    for (const dialect of dialects.filter((d) => DIALECTS.has(d.kind))) {
      const tgUrl = await database(dialect.kind, `tokengate-${dialect.kind}`);
      if (!tgUrl) {
        log(`bench: no ${dialect.name} answers at ${dialect.where}: its scenarios are not measured`);
        rows.push({ figure: `every ${dialect.name} figure`, tokengate: `${dialect.name} not reachable: not measured`, reference: '—', ratio: '—', target: '—', holds: false });
        continue;
      }
      const tg = await tokengateOn(`tokengate-${dialect.kind}`, tgUrl);
      if (dialect.full) {
        const ref = await referenceOn(`reference-${dialect.kind}`, (await database(dialect.kind, `reference-${dialect.kind}`))!);
        const off = await tokengateOn(`tokengate-${dialect.kind}-no-rotation`, (await database(dialect.kind, `tokengate-${dialect.kind}-no-rotation`))!, {
          REFRESH_TOKEN_ROTATION: 'false',
        });
        if (SCENARIOS.has('boards')) {
          const measured = await boards(dialect.name, tg, ref, bare, dialect.kind === 'sqlite');
          if (measured !== undefined) publicMicros = measured;
        }
        if (SCENARIOS.has('refresh')) await refreshes(dialect.name, tg, off, ref);
        await off.stop();
        const outside = SCENARIOS.has('signin') || SCENARIOS.has('flood') ? await signins(dialect.name, tg, ref, capacity) : NaN;
        if (SCENARIOS.has('flood')) await flood(dialect.name, tg, ref, capacity, outside, publicMicros);
        const [tgRss, refRss] = [rssMegabytes(tg.pid), rssMegabytes(ref.pid)];
        rows.push({
          figure: `resident memory after the whole bench, ${dialect.name}`,
          tokengate: `${tgRss.toFixed(0)} MB`,
          reference: `${refRss.toFixed(0)} MB (bare Express: ${rssMegabytes(bare.pid).toFixed(0)} MB)`,
          ratio: times(tgRss / refRss),
          target: '≤ 1.1× the reference',
          holds: tgRss <= 1.1 * refRss,
        });
        figures[`${dialect.name} rss`] = { tokengate: tgRss, reference: refRss };
        await ref.stop();
      } else if (SCENARIOS.has('flood')) {
        const outside = await signins(dialect.name, tg, undefined, capacity);
        await flood(dialect.name, tg, undefined, capacity, outside, publicMicros);
      }
      await tg.stop();
    }
  } finally {
    await bare.stop();
    for (const created of drops) {
      await created.drop().catch((err: unknown) => log(`bench: could not drop ${created.name}: ${String(err)}`));
      log(`bench: dropped ${created.name}`);
    }
  }
  const table = [
    '| figure | Tokengate | reference (tutorial-style) / bare | ratio | target | holds |',
    '|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.figure} | ${r.tokengate} | ${r.reference} | ${r.ratio} | ${r.target} | ${r.holds === undefined ? '—' : r.holds ? 'yes' : '**no**'} |`),
  ].join('\n');
  process.stdout.write(`\n${table}\n`);
  mkdirSync(path.join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(
    path.join(ROOT, 'bench/results', `${new Date().toISOString().replace(/[:.]/g, '-')}.json`),
    `${JSON.stringify({ cpus: CPU_COUNT, cpu: cpus()[0]?.model, node: process.version, rounds: ROUNDS, seconds: SECONDS, rows, figures }, null, 2)}\n`,
  );
}

await main();
process.exit(0);
