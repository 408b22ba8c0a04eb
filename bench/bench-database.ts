import { randomBytes } from 'node:crypto';

/*
 * The MariaDB database of the refresh scenario: a name of the bench's own
 * (tokengate_bench_<random>), created for the run and dropped afterwards, on the server of
 * BENCH_MARIADB_URL (default mariadb://root@127.0.0.1:3306). Nothing else on that server is touched.
 */

export const BENCH_MARIADB_URL = process.env.BENCH_MARIADB_URL ?? 'mariadb://root@127.0.0.1:3306';

export function benchDatabaseName(random = randomBytes(4).toString('hex')): string {
  return `tokengate_bench_${random}`;
}

export interface BenchDatabase {
  name: string;
  /** DATABASE_URL for Tokengate. */
  url: string;
  /** Where, for the log (no password). */
  where: string;
  drop(): Promise<void>;
}

/** Creates the bench's database, or resolves undefined when the server does not answer. */
export async function createBenchDatabase(serverUrl = BENCH_MARIADB_URL): Promise<BenchDatabase | undefined> {
  const { createConnection } = await import('mysql2/promise');
  const server = new URL(serverUrl);
  const options = {
    host: server.hostname,
    port: Number(server.port || 3306),
    user: decodeURIComponent(server.username || 'root'),
    password: decodeURIComponent(server.password),
    connectTimeout: 2000,
  };
  const run = async (sql: string) => {
    const connection = await createConnection(options);
    try {
      await connection.query(sql);
    } finally {
      await connection.end();
    }
  };
  return createOn(serverUrl, `MariaDB at ${options.host}:${options.port}`, run, {
    create: (name) => `CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`,
    drop: (name) => `DROP DATABASE IF EXISTS \`${name}\``,
  });
}

export const BENCH_POSTGRES_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * The same for PostgreSQL (the signin flood is measured there too): a database of the bench's
 * own on the server of BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432), or
 * undefined when the server does not answer.
 */
export async function createBenchPostgresDatabase(serverUrl = BENCH_POSTGRES_URL): Promise<BenchDatabase | undefined> {
  const { Sequelize } = await import('sequelize');
  const server = new URL(serverUrl);
  const statement = async (sql: string) => {
    const client = new Sequelize(serverUrl, { logging: false, dialectOptions: { connectionTimeoutMillis: 2000 } });
    try {
      await client.query(sql);
    } finally {
      await client.close();
    }
  };
  return createOn(serverUrl, `PostgreSQL at ${server.hostname}:${server.port || 5432}`, statement, {
    create: (name) => `CREATE DATABASE "${name}"`,
    drop: (name) => `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`,
  });
}

/** A database named for the bench, created by `run` on the server of `serverUrl`; undefined when that fails. */
async function createOn(
  serverUrl: string,
  server: string,
  run: (sql: string) => Promise<void>,
  sql: { create: (name: string) => string; drop: (name: string) => string },
): Promise<BenchDatabase | undefined> {
  const name = benchDatabaseName();
  try {
    await run(sql.create(name));
  } catch {
    return undefined;
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { name, url: url.toString(), where: `${server}, database ${name}`, drop: () => run(sql.drop(name)) };
}
