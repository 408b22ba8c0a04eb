import type { TestProject } from 'vitest/node';
import { adminConnection, DIALECTS, databasePrefix, dropDatabases, listDatabases, SERVER_URLS, type TestDialect } from './databases.js';

/**
 * Runs once per dialect project. A database server that cannot be reached fails the run
 * loudly: a dialect that was asked for is never skipped silently.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dialect = project.name as TestDialect;
  if (!(DIALECTS as readonly string[]).includes(dialect)) throw new Error(`Unknown dialect project "${project.name}"`);
  if (dialect === 'sqlite') return () => Promise.resolve();

  const admin = adminConnection(dialect);
  try {
    await admin.authenticate();
  } catch (error) {
    throw new Error(
      `The ${dialect} server at ${SERVER_URLS[dialect]} is not reachable (${String(error)}). ` +
        `Start it, or leave "${dialect}" out of TEST_DIALECTS.`,
      { cause: error },
    );
  } finally {
    await admin.close();
  }

  return async () => {
    await dropDatabases(dialect, await listDatabases(dialect, databasePrefix()));
  };
}
