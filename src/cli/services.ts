import { migrateToLatest } from '../db/migrator.js';
import type { Actor } from '../features/users/admin-users.service.js';
import { createServices, type Services } from '../services.js';
import { withRuntime } from './cli-runtime.js';

/** Who the CLI acts as, in the audit trail. */
export const CLI_ACTOR: Actor = { context: { userAgent: 'tokengate-cli' }, via: 'cli' };

/** Runs `work` with the services on a migrated database; the database is closed afterwards. */
export function withServices<T>(work: (services: Services) => Promise<T>): Promise<T> {
  return withRuntime(async ({ config, db, logger }) => {
    await migrateToLatest(db, logger);
    return work(createServices({ config, db, logger }));
  });
}
