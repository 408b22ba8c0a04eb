/*
 * npm run bench: Tokengate with its production defaults next to a bare Express 5 route, in one
 * run. Load comes from wrk when it is installed (it needs far less CPU than a Node.js load
 * generator), else from autocannon. The server gets CPU 0 and the load generator the last CPU
 * (taskset), so they do not compete. Board scenarios alternate Tokengate and the bare route for
 * several rounds and take the median ratio, both of requests per second and of the server's CPU
 * time per request (which a noisy machine disturbs far less). Prints a table with ratios and
 * writes the figures to bench/results/.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { BENCH_MARIADB_URL, createBenchDatabase } from './bench-database.js';
import type { LoadResult, LoadSettings } from './load.js';
import { OWASP_ARGON2 } from '../src/features/passwords/password-hasher.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
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
  stop(): void;
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
      return { url, pid: child.pid!, stop: () => child.kill('SIGTERM') };
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
 * Milliseconds of one argon2id verify at Tokengate's parameters, with the library Tokengate
 * uses, on the server's CPU.
 */
function hashMilliseconds(): number {
  const script = `
    const { hashSync, verifySync } = require('@node-rs/argon2');
    const h = hashSync('benchmark-password', ${JSON.stringify({ algorithm: 2, ...OWASP_ARGON2 })});
    for (let i = 0; i < 3; i++) verifySync(h, 'benchmark-password');
    const t = performance.now();
    for (let i = 0; i < 20; i++) verifySync(h, 'benchmark-password');
    console.log((performance.now() - t) / 20);`;
  const [program, ...args] = pinned(SERVER_CPU, [process.execPath, '-e', script]) as [string, ...string[]];
  return Number(spawnSync(program, args, { cwd: ROOT, encoding: 'utf8' }).stdout.trim());
}

/** Seconds of CPU the process has used (user + system). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
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
  scenario: string;
  tokengate: string;
  bare: string;
  ratio: string;
  target: string;
  holds: boolean;
}
const rows: Row[] = [];
const figures: Record<string, unknown> = {};
const fmt = (r: LoadResult) => `${Math.round(r.requestsPerSecond)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms`;

async function tokengateOn(name: string, databaseUrl: string): Promise<Server & { token: string; adminToken: string; signin: () => Promise<{ refreshToken: string }> }> {
  const env = {
    NODE_ENV: 'production',
    AUTH_SECRET: randomBytes(48).toString('base64url'),
    DATABASE_URL: databaseUrl,
    DATA_DIR: work,
    // All load comes from one address: the per-address limits would measure themselves.
    RATE_LIMIT_IP: '1000000',
    RATE_LIMIT_IP_FAILURES: '1000000',
    // The refresh scenario keeps 80 sessions of one user alive at once.
    MAX_SESSIONS_PER_USER: '1000',
  };
  const server = await startServer(name, [process.execPath, 'dist/main.js'], env);
  const user = { username: 'bench.user', email: 'bench.user@example.test', password: 'a benchmark passphrase' };
  await post(`${server.url}/api/auth/signup`, user);
  spawnSync(process.execPath, ['dist/cli/index.js', 'users:create', '--username', 'bench.admin', '--email', 'bench.admin@example.test', '--role', 'admin'], {
    cwd: ROOT,
    env: { ...process.env, ...env, TOKENGATE_PASSWORD: 'an admin benchmark passphrase' },
  });
  const signin = () => post<{ accessToken: string; refreshToken: string }>(`${server.url}/api/auth/signin`, user);
  const admin = await post<{ accessToken: string }>(`${server.url}/api/auth/signin`, {
    username: 'bench.admin',
    password: 'an admin benchmark passphrase',
  });
  return { ...server, token: (await signin()).accessToken, adminToken: admin.accessToken, signin };
}

async function main(): Promise<void> {
  log(`CPUs: ${CPU_COUNT} (${cpus()[0]?.model ?? 'unknown'}); server on CPU ${SERVER_CPU ?? 'any'}, load on CPU ${LOAD_CPU ?? 'any'}`);
  const bare = await startServer('bare', [process.execPath, '--import', 'tsx', 'bench/bare-server.ts'], {});
  log(`bench: SQLite database ${path.join(work, 'bench.sqlite')} (a temporary folder, removed afterwards)`);
  const tg = await tokengateOn('tokengate-sqlite', `sqlite:${path.join(work, 'bench.sqlite')}`);

  // 1. The boards: Tokengate against the bare route, alternating, median ratio of the rounds.
  const boards: Array<{ scenario: string; path: string; headers: Record<string, string> }> = [
    { scenario: 'public board GET /api/test/all', path: '/api/test/all', headers: {} },
    { scenario: 'user board GET /api/test/user', path: '/api/test/user', headers: { 'x-access-token': tg.token } },
    { scenario: 'admin board GET /api/test/admin', path: '/api/test/admin', headers: { 'x-access-token': tg.adminToken } },
  ];
  for (const board of boards) {
    // Warm up both (the JIT compiles the hot paths), then alternate.
    await throughput(tg, board.path, board.headers, SECONDS);
    await throughput(bare, board.path, {}, SECONDS);
    const rps: number[] = [];
    const cpu: number[] = [];
    let last: [Throughput, Throughput] | undefined;
    for (let round = 0; round < ROUNDS; round++) {
      const runTg = () => throughput(tg, board.path, board.headers, SECONDS);
      const runBare = () => throughput(bare, board.path, {}, SECONDS);
      let a: Throughput;
      let b: Throughput;
      if (round % 2) {
        b = await runBare();
        a = await runTg();
      } else {
        a = await runTg();
        b = await runBare();
      }
      // Compare counts, not rates: autocannon's per-second average and its duration differ slightly.
      if (a.okPerSecond * a.seconds < 0.99 * a.total) {
        throw new Error(`${board.path}: Tokengate answered errors: ${JSON.stringify(a.statusCodes)}, ${a.errors} socket errors`);
      }
      rps.push(a.requestsPerSecond / b.requestsPerSecond);
      cpu.push(b.cpuMicros / a.cpuMicros);
      last = [a, b];
    }
    const ratio = median(rps);
    const cpuRatio = median(cpu);
    const target = board.path === '/api/test/all' ? 0 : 0.9;
    const describe = (r: Throughput) => `${fmt(r)}, ${r.cpuMicros.toFixed(0)} µs CPU/req`;
    rows.push({
      scenario: board.scenario,
      tokengate: describe(last![0]),
      bare: describe(last![1]),
      ratio: `${ratio.toFixed(2)}× req/s, ${cpuRatio.toFixed(2)}× CPU/req (rounds: ${rps.map((r) => r.toFixed(2)).join(', ')})`,
      target: target ? `≥ ${target}×` : '—',
      holds: ratio >= target,
    });
    figures[board.path] = { requestRatios: rps, cpuRatios: cpu, tokengate: last![0], bare: last![1] };
    log(`${board.scenario}: ${ratio.toFixed(2)}× requests/s, ${cpuRatio.toFixed(2)}× CPU per request`);
  }

  // 2. Signin against the hashing capacity of the server's CPU.
  const hashMs = hashMilliseconds();
  const serverCores = SERVER_CPU ? 1 : CPU_COUNT;
  const capacity = (serverCores * 1000) / hashMs;
  const credentials = JSON.stringify({ username: 'bench.user', password: 'a benchmark passphrase' });
  const signinLoad = { url: `${tg.url}/api/auth/signin`, method: 'POST' as const, headers: { 'content-type': 'application/json' }, body: credentials };
  const signins = await load({ ...signinLoad, connections: 4, duration: SECONDS * 2 });
  rows.push({
    scenario: 'signin POST /api/auth/signin',
    tokengate: `${signins.okPerSecond.toFixed(1)} signins/s, p50 ${signins.p50} ms, p99 ${signins.p99} ms`,
    bare: `capacity ${capacity.toFixed(1)}/s (${serverCores} core ÷ ${hashMs.toFixed(1)} ms per argon2id verify)`,
    ratio: `${(signins.okPerSecond / capacity).toFixed(2)}× capacity`,
    target: '≥ 0.8× capacity',
    holds: signins.okPerSecond >= 0.8 * capacity,
  });
  figures.signin = { hashMs, capacity, signins };

  // 3. Refresh with rotation, on SQLite and on MariaDB (the target's database).
  const refresh = async (server: typeof tg, name: string, target?: number) => {
    const sessions: Array<{ refreshToken: string }> = [];
    for (let i = 0; i < 80; i++) sessions.push(await server.signin());
    const refreshLoad = (tokens: Array<{ refreshToken: string }>) =>
      load({ url: `${server.url}/api/auth/refreshtoken`, connections: 40, duration: SECONDS, refreshTokens: tokens.map((s) => s.refreshToken) });
    // A first run on other sessions warms up the JIT and the connection pool, as for the boards.
    await refreshLoad(sessions.slice(40));
    const result = await refreshLoad(sessions.slice(0, 40));
    rows.push({
      scenario: `refresh (rotation on), ${name}`,
      tokengate: `${result.okPerSecond.toFixed(0)} refreshes/s, p50 ${result.p50} ms, p99 ${result.p99} ms, statuses ${JSON.stringify(result.statusCodes)}`,
      bare: '—',
      ratio: '—',
      target: target ? `≥ ${target}/s` : '—',
      holds: target ? result.okPerSecond >= target : true,
    });
    figures[`refresh-${name}`] = result;
  };
  await refresh(tg, 'SQLite');
  const mariadb = await createBenchDatabase();
  if (mariadb) {
    log(`bench: ${mariadb.where} (created for this run, dropped afterwards)`);
    try {
      const maria = await tokengateOn('tokengate-mariadb', mariadb.url);
      await refresh(maria, 'MariaDB', 500);
      maria.stop();
    } finally {
      await mariadb.drop();
      log(`bench: dropped ${mariadb.name}`);
    }
  } else {
    log(`bench: no MariaDB answers at ${new URL(BENCH_MARIADB_URL).host}: the MariaDB refresh scenario is not measured`);
    rows.push({ scenario: 'refresh (rotation on), MariaDB', tokengate: 'MariaDB not reachable: not measured', bare: '—', ratio: '—', target: '≥ 500/s', holds: false });
  }

  // 4. The public board while signins flood in at twice the hashing capacity.
  const [flood, probe] = await Promise.all([
    load({ ...signinLoad, connections: 64, duration: SECONDS * 2, overallRate: Math.ceil(2 * capacity) }),
    load({ url: `${tg.url}/api/test/all`, connections: 10, duration: SECONDS * 2, overallRate: 200 }),
  ]);
  const refused = (flood.statusCodes['503'] ?? 0) + (flood.statusCodes['429'] ?? 0);
  rows.push({
    scenario: `public board during a signin flood at ${Math.ceil(2 * capacity)}/s`,
    tokengate: `board p50 ${probe.p50} ms, p99 ${probe.p99} ms; signins ${JSON.stringify(flood.statusCodes)}, timeouts ${flood.timeouts}, errors ${flood.errors}`,
    bare: '—',
    ratio: '—',
    target: 'board p99 < 50 ms; surplus 503/429, no timeouts',
    holds: probe.p99 < 50 && flood.timeouts === 0 && refused > 0,
  });
  figures.flood = { flood, probe };

  // 5. Memory after 100,000 protected requests.
  await load({ url: `${tg.url}/api/test/user`, headers: { 'x-access-token': tg.token }, connections: 20, amount: 100_000 });
  const rss = rssMegabytes(tg.pid);
  rows.push({ scenario: 'resident memory after 100,000 protected requests', tokengate: `${rss.toFixed(0)} MB`, bare: `${rssMegabytes(bare.pid).toFixed(0)} MB (bare, idle)`, ratio: '—', target: '< 150 MB', holds: rss < 150 });
  figures.rssMegabytes = rss;

  tg.stop();
  bare.stop();
  const table = [
    '| scenario | Tokengate | bare Express / reference | ratio | target | holds |',
    '|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.scenario} | ${r.tokengate} | ${r.bare} | ${r.ratio} | ${r.target} | ${r.holds ? 'yes' : '**no**'} |`),
  ].join('\n');
  process.stdout.write(`\n${table}\n`);
  mkdirSync(path.join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(
    path.join(ROOT, 'bench/results', `${new Date().toISOString().replace(/[:.]/g, '-')}.json`),
    `${JSON.stringify({ cpus: CPU_COUNT, cpu: cpus()[0]?.model, node: process.version, rows, figures }, null, 2)}\n`,
  );
}

await main();
process.exit(0);
