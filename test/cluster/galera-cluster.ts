import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort, ROOT } from '../helpers/processes.js';

/*
 * A 3-node MariaDB Galera cluster and HAProxy on loopback, from the very configuration files
 * that docs/deploy.md documents (docs/deploy/galera.cnf and haproxy.cfg), with ports and paths
 * filled in. Each node has its own ports and data folder under `dir`; the first node starts a
 * new cluster, the others join it by state transfer (rsync).
 */

const run = promisify(execFile);
const DEPLOY = path.join(ROOT, 'docs/deploy');
const asRoot = process.getuid?.() === 0;

export const DB_USER = 'tokengate';
export const DB_PASSWORD = 'cluster-test-password';
export const DB_NAME = 'tokengate';

/** `{{NAME}}` → values[NAME]; a placeholder left unfilled is an error. */
export function render(template: string, values: Record<string, string>): string {
  const text = template.replace(/\{\{([A-Z0-9_]+)\}\}/g, (whole, name: string) => values[name] ?? whole);
  const left = text.match(/\{\{[A-Z0-9_]+\}\}/);
  if (left) throw new Error(`placeholder ${left[0]} has no value`);
  return text;
}

export interface GaleraNode {
  name: string;
  port: number;
  /** host:port of its SQL port. */
  address: string;
  process?: ChildProcess;
  /** Runs SQL as root over the node's socket; resolves with the tab-separated output. */
  sql: (statement: string) => Promise<string>;
  log: () => string;
}

export interface GaleraCluster {
  nodes: GaleraNode[];
  /** The HAProxy front: host:port. */
  front: string;
  kill(node: GaleraNode): void;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(what: string, check: () => Promise<boolean>, seconds: number, detail: () => string): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await sleep(250);
  }
  throw new Error(`${what} within ${seconds} s\n${detail()}`);
}

function tail(file: string, lines = 40): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return `(no ${file})`;
  }
}

/** No client call to a node, nor a state transfer, may wait longer than this. */
const SQL_TIMEOUT_MS = 20_000;
const INSTALL_TIMEOUT_MS = 60_000;

/** `progress` hears what the start does and how long each step took. */
export async function startGaleraCluster(dir: string, progress: (line: string) => void = () => undefined): Promise<GaleraCluster> {
  const began = Date.now();
  const step = async <T>(what: string, work: () => Promise<T>): Promise<T> => {
    const start = Date.now();
    const result = await work();
    progress(`  cluster: ${what} in ${((Date.now() - start) / 1000).toFixed(1)} s (+${((Date.now() - began) / 1000).toFixed(1)} s)`);
    return result;
  };
  const template = readFileSync(path.join(DEPLOY, 'galera.cnf'), 'utf8');
  const ports = await Promise.all(Array.from({ length: 3 }, async () => ({ sql: await freePort(), galera: await freePort(), ist: await freePort(), sst: await freePort() })));
  const peers = ports.map((p) => `127.0.0.1:${p.galera}`).join(',');
  // The server refuses to run as root: as root, it runs as mysql in folders that mysql owns.
  const owner = asRoot ? Number((await run('id', ['-u', 'mysql'])).stdout.trim()) : undefined;
  if (owner !== undefined) chownSync(dir, owner, owner);

  const nodes: Array<GaleraNode & { cnf: string; datadir: string }> = ports.map((p, i) => {
    const name = `node${i + 1}`;
    const datadir = path.join(dir, name);
    const socket = path.join(dir, `${name}.sock`);
    const cnf = path.join(dir, `${name}.cnf`);
    mkdirSync(datadir, { recursive: true });
    if (owner !== undefined) chownSync(datadir, owner, owner);
    writeFileSync(
      cnf,
      render(template, {
        DATADIR: datadir,
        SOCKET: socket,
        ADDRESS: '127.0.0.1',
        PORT: String(p.sql),
        BUFFER_POOL: '64M',
        PEERS: peers,
        NODE_NAME: name,
        GALERA_PORT: String(p.galera),
        IST_PORT: String(p.ist),
        SST_PORT: String(p.sst),
      }),
    );
    return {
      name,
      port: p.sql,
      address: `127.0.0.1:${p.sql}`,
      sql: async (statement: string) =>
        (
          await run('mariadb', [`--defaults-file=${cnf}`, '--protocol=socket', `--socket=${socket}`, '-uroot', '-N', '-B', '-e', statement], {
            timeout: SQL_TIMEOUT_MS,
            killSignal: 'SIGKILL',
          })
        ).stdout,
      log: () => tail(path.join(datadir, 'error.log')),
      cnf,
      datadir,
    };
  });

  const serverArgs = (node: (typeof nodes)[number]) => [`--defaults-file=${node.cnf}`, ...(asRoot ? ['--user=mysql'] : [])];
  const synced = (node: GaleraNode) => async () => /Synced/.test(await node.sql("SHOW STATUS LIKE 'wsrep_local_state_comment'"));

  async function startNode(node: (typeof nodes)[number], first: boolean): Promise<void> {
    node.process = spawn('mariadbd', [...serverArgs(node), ...(first ? ['--wsrep-new-cluster'] : [])], { stdio: 'ignore' });
    await step(`${node.name} ${first ? 'bootstrapped' : 'joined (state transfer)'} and synced`, () =>
      waitFor(`${node.name} was not synced`, synced(node), 90, () => node.log()),
    );
  }

  let haproxy: ChildProcess | undefined;
  const stopped = (child: ChildProcess) =>
    child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise<void>((resolve) => child.once('exit', () => resolve()));
  async function stop(): Promise<void> {
    haproxy?.kill('SIGKILL');
    for (const node of nodes) node.process?.kill('SIGKILL');
    const children = [haproxy, ...nodes.map((n) => n.process)].filter((c): c is ChildProcess => c !== undefined);
    // SIGKILL cannot be ignored, but a process in uninterruptible I/O exits late: do not wait forever.
    const all = Promise.all(children.map(stopped)).then(() => true);
    if (!(await Promise.race([all, sleep(10_000).then(() => false)]))) {
      progress(`  cluster: processes still running 10 s after SIGKILL: ${children.filter((c) => c.exitCode === null && c.signalCode === null).map((c) => c.pid).join(', ')}`);
    }
  }
  try {
    return await startAll();
  } catch (error) {
    // Nothing it started outlives a failed start.
    await stop();
    throw error;
  }

  async function startAll(): Promise<GaleraCluster> {
    const [first, ...joiners] = nodes;
    if (!first) throw new Error('no nodes');
    await step('mariadb-install-db', () => run('mariadb-install-db', [
      `--defaults-file=${first.cnf}`,
      ...(asRoot ? ['--user=mysql'] : []),
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
      `--datadir=${first.datadir}`,
    ], { timeout: INSTALL_TIMEOUT_MS, killSignal: 'SIGKILL' }));
    await startNode(first, true);
    await first.sql(
      [
        `CREATE DATABASE ${DB_NAME} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
        `CREATE USER '${DB_USER}'@'127.0.0.1' IDENTIFIED BY '${DB_PASSWORD}'`,
        `GRANT ALL ON ${DB_NAME}.* TO '${DB_USER}'@'127.0.0.1'`,
        // HAProxy's health check logs in as this user (no password, no privileges).
        `CREATE USER 'haproxy'@'127.0.0.1'`,
      ].join('; '),
    );
    for (const node of joiners) await startNode(node, false);

    const haproxyPort = await freePort();
    const haproxyCfg = path.join(dir, 'haproxy.cfg');
    writeFileSync(
      haproxyCfg,
      render(readFileSync(path.join(DEPLOY, 'haproxy.cfg'), 'utf8'), {
        LISTEN: `127.0.0.1:${haproxyPort}`,
        NODE1: nodes[0]!.address,
        NODE2: nodes[1]!.address,
        NODE3: nodes[2]!.address,
      }),
    );
    let haproxyOutput = '';
    haproxy = spawn('haproxy', ['-db', '-f', haproxyCfg], { stdio: ['ignore', 'pipe', 'pipe'] });
    haproxy.stdout?.on('data', (d: Buffer) => (haproxyOutput += d.toString()));
    haproxy.stderr?.on('data', (d: Buffer) => (haproxyOutput += d.toString()));
    const front = `127.0.0.1:${haproxyPort}`;
    await step('HAProxy forwards to node1', () =>
      waitFor(
        'HAProxy did not forward to node1',
        async () =>
          (
            await run('mariadb', ['--no-defaults', '-h127.0.0.1', `-P${haproxyPort}`, `-u${DB_USER}`, `-p${DB_PASSWORD}`, '--connect-timeout=2', '-N', '-e', 'SELECT @@wsrep_node_name'], {
              timeout: 5_000,
              killSignal: 'SIGKILL',
            })
          ).stdout.trim() === 'node1',
        30,
        () => haproxyOutput,
      ),
    );

    return {
      nodes,
      front,
      kill(node) {
        node.process?.kill('SIGKILL');
      },
      stop,
    };
  }
}
