import { Umzug } from 'umzug';
import type { Logger } from '../lib/logger.js';
import type { Database } from './database.js';
import { withMigrationLock } from './migration-lock.js';
import { createMigrationStorage } from './migration-storage.js';
import { migrations } from './migrations/index.js';
import type { MigrationContext } from './migrations/migration.js';

export const MIGRATIONS_TABLE = 'tokengate_migrations';

export type Migrator = Umzug<MigrationContext>;

export function createMigrator(db: Database, logger: Logger): Migrator {
  const context: MigrationContext = {
    sequelize: db.sequelize,
    queryInterface: db.sequelize.getQueryInterface(),
    dialect: db.dialect,
    logger,
  };
  return new Umzug<MigrationContext>({
    migrations: migrations.map((m) => ({
      name: m.name,
      up: ({ context: ctx }) => m.up(ctx),
      down: ({ context: ctx }) => m.down(ctx),
    })),
    context,
    storage: createMigrationStorage(MIGRATIONS_TABLE),
    logger: {
      info: (event) => logger.info(event, 'migration'),
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
export function withMigrator<T>(db: Database, logger: Logger, work: (migrator: Migrator) => Promise<T>): Promise<T> {
  return withMigrationLock(db, logger, MIGRATIONS_TABLE, () => work(createMigrator(db, logger)));
}

/** Applies every pending migration; returns their names. */
export async function migrateToLatest(db: Database, logger: Logger): Promise<string[]> {
  const applied = await withMigrator(db, logger, (migrator) => migrator.up());
  return applied.map((m) => m.name);
}
