import { randomBytes } from 'node:crypto';
import { DataTypes, QueryTypes, UniqueConstraintError } from 'sequelize';
import type { Logger } from '../lib/logger.js';
import { isRetryableTransactionError, type Database } from './database.js';

/*
 * Migrations run one process at a time, across instances: the process that inserts the single
 * row of `tokengate_migration_lock` migrates, the others wait until it deletes the row. A row
 * with a unique key works on every dialect, and Galera replicates it (GET_LOCK and LOCK TABLES
 * it does not). The holder renews its lease while it works; a lease that ran out (its holder
 * died) may be taken over.
 */

export const MIGRATION_LOCK_TABLE = 'tokengate_migration_lock';

export interface MigrationLockOptions {
  /** How long a holder's claim lasts unless renewed. */
  leaseMs?: number;
  /** How often a waiting process tries again. */
  pollMs?: number;
  /** How long a process waits for another's migration before giving up. */
  waitMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `work` while holding the migration lock. */
export async function withMigrationLock<T>(
  db: Database,
  logger: Logger,
  /** The table whose absence after `work` means nothing was changed: then the lock table goes too. */
  untouchedUnless: string,
  work: () => Promise<T>,
  { leaseMs = 60_000, pollMs = 200, waitMs = 10 * 60_000 }: MigrationLockOptions = {},
): Promise<T> {
  const qi = db.sequelize.getQueryInterface();
  const q = (name: string) => qi.quoteIdentifier(name);
  const table = q(MIGRATION_LOCK_TABLE);
  const owner = randomBytes(12).toString('hex');
  const run = (sql: string, bind: unknown[], type = QueryTypes.BULKUPDATE) =>
    db.sequelize.query(sql, { bind, type }) as Promise<unknown>;

  async function ensureTable(): Promise<void> {
    try {
      await qi.createTable(MIGRATION_LOCK_TABLE, {
        id: { type: DataTypes.INTEGER, primaryKey: true, allowNull: false },
        owner: { type: DataTypes.STRING(32), allowNull: false },
        expiresAt: { type: DataTypes.DATE(3), allowNull: false },
      });
    } catch (error) {
      // Another process created it at the same moment (PostgreSQL reports that as an error).
      if (!(await qi.tableExists(MIGRATION_LOCK_TABLE))) throw error;
    }
  }

  async function tryAcquire(): Promise<boolean> {
    const expiresAt = new Date(Date.now() + leaseMs);
    if (!(await qi.tableExists(MIGRATION_LOCK_TABLE))) await ensureTable();
    try {
      await run(`INSERT INTO ${table} (${q('id')}, ${q('owner')}, ${q('expiresAt')}) VALUES (1, $1, $2)`, [owner, expiresAt], QueryTypes.INSERT);
      return true;
    } catch (error) {
      // Held already; or, on Galera, another node's insert won certification (a deadlock error).
      if (!(error instanceof UniqueConstraintError) && !isRetryableTransactionError(error)) throw error;
    }
    const taken = await run(
      `UPDATE ${table} SET ${q('owner')} = $1, ${q('expiresAt')} = $2 WHERE ${q('id')} = 1 AND ${q('expiresAt')} < $3`,
      [owner, expiresAt, new Date()],
    );
    if (taken === 1) logger.warn('took over a migration lock whose holder stopped renewing it');
    return taken === 1;
  }

  const deadline = Date.now() + waitMs;
  let waiting = false;
  while (!(await tryAcquire())) {
    if (!waiting) logger.info('another instance is migrating the database; waiting for it');
    waiting = true;
    if (Date.now() > deadline) throw new Error(`another instance held the migration lock for more than ${waitMs / 1000} s`);
    await sleep(pollMs);
  }
  const renew = setInterval(() => {
    run(`UPDATE ${table} SET ${q('expiresAt')} = $1 WHERE ${q('id')} = 1 AND ${q('owner')} = $2`, [new Date(Date.now() + leaseMs), owner]).catch(
      (error: unknown) => logger.warn({ err: error }, 'could not renew the migration lock'),
    );
  }, leaseMs / 3);
  try {
    return await work();
  } finally {
    clearInterval(renew);
    await run(`DELETE FROM ${table} WHERE ${q('id')} = 1 AND ${q('owner')} = $1`, [owner]).catch((error: unknown) =>
      logger.warn({ err: error }, 'could not release the migration lock; it expires on its own'),
    );
    // Nothing was ever applied (a refused adoption): leave the database exactly as it was.
    if (!(await qi.tableExists(untouchedUnless))) await qi.dropTable(MIGRATION_LOCK_TABLE).catch(() => undefined);
  }
}
