import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import sqlite3 from 'sqlite3';
import { ConnectionError, Op, QueryTypes, Sequelize, TimeoutError, Transaction, type Options, type WhereOperators } from 'sequelize';
import type { Logger } from '../lib/logger.js';
import { defineModels, type Models } from './models.js';

/** MariaDB is served by the mysql dialect (mysql2 driver), which speaks to both servers. */
export type Dialect = 'sqlite' | 'mysql' | 'postgres';

/**
 * Bound parameters for model queries. Sequelize 6 binds the values of INSERT and UPDATE, but
 * writes those of a SELECT or DELETE condition into the SQL text; these put a `$name`
 * placeholder there instead and the value into `bind`, which the query options carry:
 * `const p = db.params(); User.findOne(p.options({ where: { email: p.eq(email) } }))`.
 */
export interface BoundParams {
  readonly bind: Record<string, unknown>;
  /** The placeholder text for `value`, e.g. `$p0`, for a literal. */
  placeholder(value: unknown): string;
  /** A placeholder for `value`, as a value in a condition. */
  ref(value: unknown): ReturnType<Sequelize['literal']>;
  eq(value: unknown): WhereOperators;
  in(values: readonly unknown[]): WhereOperators;
  /** The query options with the bound values added (Sequelize's option types omit `bind`). */
  options<T extends object>(options: T): T;
}

export interface Database {
  readonly sequelize: Sequelize;
  /** A fresh set of bound parameters for one query. */
  params(): BoundParams;
  readonly dialect: Dialect;
  readonly models: Models;
  /**
   * Runs `work` in a transaction that the caller owns. Deadlocks, serialization failures and
   * Galera certification failures are retried (TRANSACTION_ATTEMPTS in all, with jittered
   * pauses), so `work` must do nothing but database work; on SQLite, write transactions of this
   * process run one at a time.
   */
  transaction<T>(work: (trx: Transaction) => Promise<T>): Promise<T>;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * SQLite connections that wait for a lock instead of failing at once, and use WAL so that
 * readers never block the writer. Sequelize opens one connection per transaction.
 */
class PatientSqliteDatabase extends sqlite3.Database {
  constructor(file: string, mode: number, callback: (err: Error | null) => void) {
    super(file, mode, (err) => {
      if (!err) {
        this.configure('busyTimeout', 10_000);
        this.exec('PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;');
      }
      callback(err);
    });
  }
}
const sqliteModule = { ...sqlite3, Database: PatientSqliteDatabase };

interface SqliteConnection {
  uuid?: string;
  close(): void;
}

interface SqliteConnectionManager {
  connections: Record<string, SqliteConnection>;
  getConnection(options?: { uuid?: string }): Promise<SqliteConnection>;
  releaseConnection(connection: SqliteConnection): void;
}

/**
 * Sequelize's SQLite dialect opens a new connection for every transaction and closes it at the
 * end: a file to open, five PRAGMAs and the schema to parse, each time (most of a signin's CPU
 * time besides the hash). Transactions of this process run one at a time (`serial` below), so
 * one connection, kept open between them, serves them all. A connection whose transaction could
 * not be ended cleanly is never released here (Sequelize destroys it), so it is never reused.
 */
function reuseTransactionConnections(sequelize: Sequelize): void {
  const manager = sequelize.connectionManager as unknown as SqliteConnectionManager;
  const getConnection = manager.getConnection.bind(manager);
  const releaseConnection = manager.releaseConnection.bind(manager);
  let idle: SqliteConnection | undefined;
  manager.getConnection = async (options) => {
    const uuid = options?.uuid;
    if (!uuid || uuid === 'default' || !idle) return getConnection(options);
    const connection = idle;
    idle = undefined;
    manager.connections[uuid] = connection;
    return connection;
  };
  manager.releaseConnection = (connection) => {
    if (!connection.uuid || idle) return releaseConnection(connection);
    delete manager.connections[connection.uuid];
    idle = connection;
  };
  const close = sequelize.close.bind(sequelize);
  sequelize.close = async () => {
    idle?.close();
    idle = undefined;
    await close();
  };
}

export function dialectOf(url: string): Dialect {
  const scheme = url.slice(0, url.indexOf(':')).toLowerCase();
  if (scheme === 'sqlite') return 'sqlite';
  if (scheme === 'mysql' || scheme === 'mariadb') return 'mysql';
  if (scheme === 'postgres' || scheme === 'postgresql') return 'postgres';
  throw new Error(
    `DATABASE_URL must start with sqlite:, mysql://, mariadb://, postgres:// or postgresql:// (got "${scheme}:")`,
  );
}

/** `sqlite:data/x.sqlite`, `sqlite:///abs/x.sqlite` or `sqlite::memory:` → a storage path. */
function sqliteStorage(url: string): string {
  const rest = url.replace(/^sqlite:(\/\/)?/i, '');
  if (rest === ':memory:' || rest === '') return ':memory:';
  return path.resolve(rest);
}

/**
 * The SQLite file holds password hashes and sealed keys: readable by its owner only (0600), in a
 * folder it creates as 0700. SQLite gives its -wal and -shm files the database file's mode.
 */
function privateSqliteFile(storage: string): string {
  if (storage === ':memory:') return storage;
  const dir = path.dirname(storage);
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
  closeSync(openSync(storage, 'a', 0o600));
  for (const file of [storage, `${storage}-wal`, `${storage}-shm`]) {
    if (existsSync(file)) chmodSync(file, 0o600);
  }
  return storage;
}

function sequelizeOptions(dialect: Dialect, logger: Logger): Options {
  const common: Options = {
    // Sequelize builds a log message for every query when logging is on: only at trace level.
    logging: logger.isLevelEnabled('trace') ? (sql) => logger.trace({ sql }, 'sql') : false,
    benchmark: false,
    pool: { max: 10, min: 0, idle: 10_000, acquire: 10_000, evict: 5_000 },
  };
  switch (dialect) {
    case 'sqlite':
      return { ...common, dialect, dialectModule: sqliteModule };
    case 'mysql':
      return { ...common, dialect, dialectOptions: { connectTimeout: 5_000 } };
    case 'postgres':
      return { ...common, dialect, dialectOptions: { connectionTimeoutMillis: 5_000 } };
  }
}

/*
 * Errors after which the whole transaction may simply run again: deadlocks, serialization
 * failures (PostgreSQL 40001/40P01) and Galera's certification failures, which MariaDB reports at
 * COMMIT (or at the next statement) as a deadlock, error 1213. Not a lock wait timeout: it comes
 * after innodb_lock_wait_timeout (50 s by default) of waiting, and each retry could wait as long
 * again, long after the client gave up.
 */
const retryableCodes = new Set(['ER_LOCK_DEADLOCK', '40001', '40P01']);

/** Attempts of one transaction, and the base of the jittered pause between them. */
const TRANSACTION_ATTEMPTS = 5;
const RETRY_BASE_MS = 10;

export function isRetryableTransactionError(error: unknown): boolean {
  const parent = (error as { parent?: { code?: unknown; errno?: unknown } } | undefined)?.parent;
  return retryableCodes.has(String(parent?.code)) || parent?.errno === 1213;
}

/** "Full jitter": a random pause up to base × 2^attempt, so that rivals do not collide again. */
function retryPause(attempt: number): Promise<void> {
  const ms = Math.random() * RETRY_BASE_MS * 2 ** attempt;
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A queue that runs one task at a time, in order. */
function createSerialQueue() {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>): Promise<T> => {
    const result = tail.then(task, task);
    tail = result.catch(() => undefined);
    return result;
  };
}

export function createDatabase(url: string, logger: Logger): Database {
  const dialect = dialectOf(url);
  const options = sequelizeOptions(dialect, logger);
  const sequelize =
    dialect === 'sqlite'
      ? new Sequelize({ ...options, storage: privateSqliteFile(sqliteStorage(url)) })
      : new Sequelize(url.replace(/^mariadb:/i, 'mysql:'), options);
  if (dialect === 'sqlite') reuseTransactionConnections(sequelize);
  const models = defineModels(sequelize);
  const serial = dialect === 'sqlite' ? createSerialQueue() : <T>(task: () => Promise<T>) => task();
  const type = dialect === 'sqlite' ? Transaction.TYPES.IMMEDIATE : undefined;

  async function transaction<T>(work: (trx: Transaction) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await serial(() => sequelize.transaction({ ...(type ? { type } : {}) }, work));
      } catch (error) {
        if (attempt >= TRANSACTION_ATTEMPTS || !isRetryableTransactionError(error)) throw error;
        logger.debug({ attempt, code: (error as { parent?: { code?: unknown } }).parent?.code }, 'transaction conflicted; retrying');
        await retryPause(attempt);
      }
    }
  }

  function params(): BoundParams {
    const bind: Record<string, unknown> = {};
    const placeholder = (value: unknown) => {
      const name = `p${Object.keys(bind).length}`;
      // SQLite keeps times as text in Sequelize's format, and compares them as text.
      bind[name] = value instanceof Date && dialect === 'sqlite' ? sequelize.escape(value).slice(1, -1) : value;
      return `$${name}`;
    };
    const ref = (value: unknown) => sequelize.literal(placeholder(value));
    return {
      bind,
      placeholder,
      ref,
      options: (options) => ({ ...options, bind }),
      eq: (value) => ({ [Op.eq]: ref(value) }),
      // An empty list would be `IN ()`: a placeholder for NULL matches nothing, as intended.
      in: (values) => ({ [Op.in]: values.length > 0 ? values.map(ref) : [ref(null)] }),
    };
  }

  return {
    sequelize,
    dialect,
    models,
    params,
    transaction,
    ping: async () => {
      await sequelize.query('SELECT 1', { type: QueryTypes.SELECT });
    },
    close: () => sequelize.close(),
  };
}

/** The URL with its password hidden, for messages. */
export function redactDatabaseUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@');
}

/** Driver error codes meaning "the server went away or is not there", not "the query is wrong". */
const unavailableCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'PROTOCOL_CONNECTION_LOST',
  'ER_SERVER_SHUTDOWN',
  'ER_CONNECTION_KILLED',
  'SQLITE_BUSY',
  '57P01',
  '57P02',
  '57P03',
]);

/** Drivers' words for a connection that died under a query (pg and mysql2 give these no code). */
const lostConnection =
  /connection terminated|not queryable|closed state|socket has been ended|server closed the connection|connection lost/i;

/** True when an error means the database cannot be reached right now (answer 503, retry later). */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (error instanceof ConnectionError || error instanceof TimeoutError) return true;
  const parent = (error as { parent?: { code?: unknown; message?: unknown } } | undefined)?.parent;
  if (parent === undefined) return false;
  return unavailableCodes.has(String(parent.code)) || lostConnection.test(String(parent.message));
}
