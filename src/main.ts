import { createApp } from './app.js';
import { redactDatabaseUrl } from './db/database.js';
import { createHttpServer } from './http/server.js';
import { migrateToLatest } from './db/migrator.js';
import { createRedis } from './db/redis.js';
import { exitWith, openRuntime, rootCause } from './runtime.js';

const SHUTDOWN_GRACE_MS = 10_000;

async function main(): Promise<void> {
  const { config, logger, db } = openRuntime();

  process.on('unhandledRejection', (reason) => {
    logger.error({ err: reason }, 'unhandled promise rejection; still serving');
  });
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, 'uncaught exception; exiting');
    process.exit(1);
  });

  try {
    const applied = await migrateToLatest(db, logger);
    if (applied.length > 0) logger.info({ applied }, 'database migrated');
  } catch (error) {
    const cause = rootCause(error);
    exitWith(
      `cannot migrate the database at ${redactDatabaseUrl(config.database.url)}:\n${cause instanceof Error ? cause.message : String(cause)}`,
    );
  }

  const redis = config.redis.url ? createRedis(config.redis.url, logger) : undefined;
  // Unreachable at start is logged by the client and retried; limits allow requests meanwhile.
  await redis?.connect().catch(() => undefined);

  const tokengate = createApp({ config, db, logger, redis });
  try {
    await tokengate.start();
  } catch (error) {
    exitWith(`cannot start: ${error instanceof Error ? error.message : String(error)}`);
  }
  const server = createHttpServer(tokengate.app);
  server.listen({ port: config.http.port, host: config.http.host }, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.http.port;
    logger.info({ port, database: db.dialect }, `Tokengate is listening on port ${port}`);
  });
  server.on('error', (error) => exitWith(`cannot listen on port ${config.http.port}: ${error.message}`));

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing in-flight requests');
    setTimeout(() => {
      logger.warn('shutdown grace period over; closing remaining connections');
      server.closeAllConnections();
    }, SHUTDOWN_GRACE_MS).unref();
    tokengate.stop();
    server.close(() => {
      redis?.disconnect();
      db.close()
        .catch((error: unknown) => logger.warn({ err: error }, 'error while closing the database'))
        .finally(() => {
          logger.info('stopped');
          process.exit(0);
        });
    });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

await main();
