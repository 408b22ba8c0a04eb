import { chmodSync, existsSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig } from './config/config.loader.js';
import type { Config } from './config/config.loader.js';
import { createDatabase, redactDatabaseUrl, type Database } from './db/database.js';
import { createLogger, type Logger } from './lib/logger.js';

export interface Runtime {
  config: Config;
  logger: Logger;
  db: Database;
}

/** Prints a startup problem for a person (no stack) and exits 1. */
export function exitWith(message: string): never {
  process.stderr.write(`tokengate: ${message}\n`);
  process.exit(1);
}

/** The innermost cause: Umzug and Sequelize wrap the error a person needs to read. */
export function rootCause(error: unknown): unknown {
  let current = error;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  return current;
}

/**
 * Reads `.env` from the working folder into process.env when the file is there (Node's own
 * parser, process.loadEnvFile). A variable already set in the environment wins over the file.
 */
export function loadDotEnv(cwd = process.cwd()): string | undefined {
  const file = path.join(cwd, '.env');
  if (!existsSync(file)) return undefined;
  try {
    process.loadEnvFile(file);
  } catch (error) {
    exitWith(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return file;
}

/** Config, logger and database handle, shared by the server and the CLI. Exits 1 on bad config. */
export function openRuntime(options: { logLevel?: Config['log']['level']; logToStderr?: boolean } = {}): Runtime {
  const envFile = loadDotEnv();
  let loaded;
  try {
    loaded = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) exitWith(error.message);
    throw error;
  }
  const { config, warnings } = loaded;
  // The data folder holds the SQLite file, development secrets and mail files: its owner's only.
  if (existsSync(config.dataDir)) chmodSync(config.dataDir, 0o700);
  const logger = createLogger({
    level: options.logLevel ?? config.log.level,
    pretty: config.log.format === 'pretty',
    fd: options.logToStderr ? 2 : 1,
  });
  if (envFile) logger.info({ file: envFile }, `settings read from ${envFile} (variables set in the environment win)`);
  for (const warning of warnings) logger.warn(`WARNING: ${warning}`);
  try {
    return { config, logger, db: createDatabase(config.database.url, logger) };
  } catch (error) {
    exitWith(`cannot use DATABASE_URL ${redactDatabaseUrl(config.database.url)}: ${String(rootCause(error))}`);
  }
}
