import type { QueryInterface, Sequelize } from 'sequelize';
import type { Logger } from '../../lib/logger.js';
import type { Dialect } from '../database.js';

/** What every migration receives. */
export interface MigrationContext {
  sequelize: Sequelize;
  queryInterface: QueryInterface;
  dialect: Dialect;
  logger: Logger;
}

export interface Migration {
  name: string;
  up(context: MigrationContext): Promise<void>;
  down(context: MigrationContext): Promise<void>;
}

/** Thrown when existing data prevents a migration; nothing was changed. */
export class MigrationConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationConflictError';
  }
}
