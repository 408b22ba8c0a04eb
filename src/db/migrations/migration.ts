import type { QueryInterface, Sequelize } from 'sequelize';
import type { Logger } from '../../lib/logger.js';
import type { Dialect } from '../database.js';

/** What every migration receives. */
export interface MigrationContext {
  sequelize: Sequelize;
  queryInterface: QueryInterface;
  dialect: Dialect;
  logger: Logger;
  /** `migrate down --drop`: drop tables and columns even when they hold data. */
  drop?: boolean;
}

/**
 * Data a migration's down would delete: a table, or a column whose rows matching `equals` (or
 * not NULL) are worth keeping. Listed in the order they are dropped.
 */
export interface Holding {
  table: string;
  column?: string;
  equals?: boolean;
  /** What is lost, for a person: "sessions (signed-in devices)". */
  what: string;
}

export interface Migration {
  name: string;
  up(context: MigrationContext): Promise<void>;
  /** Undoes what `up` did, except the holdings, which the migrator drops after it (or keeps). */
  down(context: MigrationContext): Promise<void>;
  holds?: Holding[];
}

/** Thrown when existing data prevents a migration; nothing was changed. */
export class MigrationConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationConflictError';
  }
}
