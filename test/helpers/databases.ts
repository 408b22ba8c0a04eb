import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { QueryTypes, Sequelize } from 'sequelize';

/*
 * Real databases for tests: a fresh SQLite file, or a fresh database on the MariaDB or
 * PostgreSQL server, per test app. Data is never shared between test files.
 */

export const DIALECTS = ['sqlite', 'mysql', 'mariadb', 'postgres'] as const;
export type TestDialect = (typeof DIALECTS)[number];

/** Server URLs (without a database name) for each networked dialect; overridable. */
export const SERVER_URLS: Record<Exclude<TestDialect, 'sqlite'>, string> = {
  mysql: process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306',
  mariadb: process.env.TEST_MARIADB_URL ?? 'mariadb://root@127.0.0.1:3306',
  postgres: process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432',
};

/** An existing database to connect to for administration (creating the test databases). */
const ADMIN_DATABASE: Record<Exclude<TestDialect, 'sqlite'>, string> = {
  mysql: 'test',
  mariadb: 'test',
  postgres: 'test',
};

export function currentDialect(): TestDialect {
  const dialect = process.env.TEST_DIALECT ?? 'sqlite';
  if (!(DIALECTS as readonly string[]).includes(dialect)) throw new Error(`Unknown TEST_DIALECT "${dialect}"`);
  return dialect as TestDialect;
}

export function adminConnection(dialect: Exclude<TestDialect, 'sqlite'>): Sequelize {
  return new Sequelize(`${SERVER_URLS[dialect]}/${ADMIN_DATABASE[dialect]}`.replace(/^mariadb:/, 'mysql:'), {
    logging: false,
    pool: { max: 1 },
    dialectOptions: dialect === 'postgres' ? { connectionTimeoutMillis: 5000 } : { connectTimeout: 5000 },
  });
}

export interface TestDatabase {
  url: string;
  dialect: TestDialect;
  drop(): Promise<void>;
}

/** Test databases of one run share this prefix, so the run can clean up after itself. */
export function databasePrefix(): string {
  return `tgt_${process.env.TEST_RUN_ID ?? 'local'}_`;
}

export async function createTestDatabase(dialect: TestDialect = currentDialect()): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(path.join(tmpdir(), 'tokengate-test-'));
    return {
      url: `sqlite:${path.join(dir, 'tokengate.sqlite')}`,
      dialect,
      drop: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
    };
  }
  const name = `${databasePrefix()}${randomBytes(5).toString('hex')}`;
  const admin = adminConnection(dialect);
  try {
    await admin.query(
      dialect === 'postgres'
        ? `CREATE DATABASE "${name}"`
        : `CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
    );
  } finally {
    await admin.close();
  }
  return {
    url: `${SERVER_URLS[dialect]}/${name}`,
    dialect,
    drop: () => dropDatabases(dialect, [name]),
  };
}

export async function dropDatabases(dialect: Exclude<TestDialect, 'sqlite'>, names: string[]): Promise<void> {
  if (names.length === 0) return;
  const admin = adminConnection(dialect);
  try {
    for (const name of names) {
      await admin.query(
        dialect === 'postgres' ? `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)` : `DROP DATABASE IF EXISTS \`${name}\``,
      );
    }
  } finally {
    await admin.close();
  }
}

/** Names of the databases whose names start with `prefix`. */
export async function listDatabases(dialect: Exclude<TestDialect, 'sqlite'>, prefix: string): Promise<string[]> {
  const admin = adminConnection(dialect);
  try {
    const sql =
      dialect === 'postgres'
        ? `SELECT datname AS name FROM pg_database WHERE datname LIKE '${prefix}%'`
        : `SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE '${prefix}%'`;
    const rows = await admin.query<{ name: string }>(sql, { type: QueryTypes.SELECT });
    return rows.map((r) => r.name);
  } finally {
    await admin.close();
  }
}
