import { Umzug } from 'umzug';
import type { Logger } from '../lib/logger.js';
import type { Database } from './database.js';
import { withMigrationLock } from './migration-lock.js';
import { createMigrationStorage } from './migration-storage.js';
import { countHoldings, dropHoldings, type HoldingCount } from './migrations/holdings.js';
import { migrations } from './migrations/index.js';
import type { MigrationContext } from './migrations/migration.js';
import { tolerantQueryInterface } from './migrations/tolerant-query-interface.js';

export const MIGRATIONS_TABLE = 'tokengate_migrations';

export type Migrator = Umzug<MigrationContext>;

function migrationContext(db: Database, logger: Logger, options: { drop?: boolean }): MigrationContext {
  return {
    sequelize: db.sequelize,
    queryInterface: tolerantQueryInterface(db.sequelize.getQueryInterface()),
    dialect: db.dialect,
    logger,
    drop: options.drop ?? false,
  };
}

export function createMigrator(db: Database, logger: Logger, options: { drop?: boolean } = {}): Migrator {
  const context = migrationContext(db, logger, options);
  return new Umzug<MigrationContext>({
    migrations: migrations.map((m) => ({
      name: m.name,
      up: ({ context: ctx }) => m.up(ctx),
      down: async ({ context: ctx }) => {
        await m.down(ctx);
        await dropHoldings(ctx, m);
      },
    })),
    context,
    storage: createMigrationStorage(MIGRATIONS_TABLE),
    logger: {
      // Each step at debug: the start logs one summary line (main.ts).
      info: (event) => logger.debug(event, 'migration'),
      warn: (event) => logger.warn(event, 'migration'),
      error: (event) => logger.error(event, 'migration'),
      debug: (event) => logger.debug(event, 'migration'),
    },
  });
}

/**
 * Runs `work` with the migrator while no other process migrates this database (concurrent first
 * starts of several instances: each migration runs once, the others wait and find nothing to do).
 */
export function withMigrator<T>(
  db: Database,
  logger: Logger,
  work: (migrator: Migrator) => Promise<T>,
  options: { drop?: boolean } = {},
): Promise<T> {
  return withMigrationLock(db, logger, MIGRATIONS_TABLE, () => work(createMigrator(db, logger, options)));
}

/** What `migrate down` would undo: the last applied migration and the data its down would drop. */
export async function planDown(migrator: Migrator, db: Database, logger: Logger): Promise<{ name: string; holdings: HoldingCount[] } | undefined> {
  const last = (await migrator.executed()).at(-1);
  if (!last) return undefined;
  const migration = migrations.find((m) => m.name === last.name);
  const holdings = migration ? await countHoldings(migrationContext(db, logger, {}), migration) : [];
  return { name: last.name, holdings };
}

/** The migrations this code expects that the database has not applied (none: the schema is current). */
export async function pendingMigrations(db: Database, logger: Logger): Promise<string[]> {
  return (await createMigrator(db, logger).pending()).map((m) => m.name);
}

/** Applies every pending migration; returns their names. */
export async function migrateToLatest(db: Database, logger: Logger): Promise<string[]> {
  const applied = await withMigrator(db, logger, (migrator) => migrator.up());
  return applied.map((m) => m.name);
}
