import cluster from 'node:cluster';
import { createApp } from './app.js';
import { redactDatabaseUrl } from './db/database.js';
import { migrateToLatest } from './db/migrator.js';
import { createRedis } from './db/redis.js';
import { createHttpServer } from './http/server.js';
import { exitWith, openRuntime, rootCause, type Runtime } from './runtime.js';

/*
 * Process entry: config → database → migrate → app → listen → graceful shutdown. With
 * WEB_CONCURRENCY=N the primary migrates once, then runs N workers that share the port and
 * replaces any worker that dies.
 */

async function migrate({ config, db, logger }: Runtime): Promise<void> {
  try {
    const applied = await migrateToLatest(db, logger);
    if (applied.length > 0) {
      const range = applied.length === 1 ? applied[0] : `${applied[0]} … ${applied.at(-1)}`;
      logger.info({ applied }, `database migrated: ${applied.length} migration(s) applied (${range})`);
    } else {
      logger.info('database schema is up to date');
    }
  } catch (error) {
    const cause = rootCause(error);
    exitWith(
      `cannot migrate the database at ${redactDatabaseUrl(config.database.url)}:\n${cause instanceof Error ? cause.message : String(cause)}`,
    );
  }
}

function onSignals(handler: (signal: string) => void): void {
  process.on('SIGTERM', () => handler('SIGTERM'));
  process.on('SIGINT', () => handler('SIGINT'));
}

async function serve(runtime: Runtime): Promise<void> {
  const { config, logger, db } = runtime;
  process.on('unhandledRejection', (reason) => {
    logger.error({ err: reason }, 'unhandled promise rejection; still serving');
  });
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, 'uncaught exception; exiting');
    process.exit(1);
  });

  const redis = config.redis.url ? await createRedis(config.redis.url, logger) : undefined;
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
    const url = `http://${localName(config.http.host)}:${port}`;
    const docs = config.docs.enabled ? `; API docs: ${url}/api/docs` : '';
    logger.info({ port, database: db.dialect, url }, `Tokengate is listening on port ${port}: ${url} (${db.dialect})${docs}`);
  });
  server.on('error', (error) => exitWith(`cannot listen on port ${config.http.port}: ${error.message}`));

  let stopping = false;
  onSignals((signal) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing in-flight requests');
    setTimeout(() => {
      logger.warn('shutdown timeout reached; closing the remaining connections');
      server.closeAllConnections();
    }, config.process.shutdownTimeoutSeconds * 1000).unref();
    server.close(() => {
      tokengate
        .stop()
        .then(() => {
          redis?.disconnect();
          return db.close();
        })
        .catch((error: unknown) => logger.warn({ err: error }, 'error while closing the database'))
        .finally(() => {
          logger.info('stopped');
          process.exit(0);
        });
    });
  });
}

/** The primary of WEB_CONCURRENCY workers: migrates once, forks, replaces the dead, stops them all. */
async function supervise(runtime: Runtime): Promise<void> {
  const { config, logger, db } = runtime;
  await migrate(runtime);
  await db.close();

  let stopping = false;
  const fork = () => cluster.fork();
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) {
        logger.info('all workers stopped');
        process.exit(0);
      }
      return;
    }
    logger.warn({ worker: worker.process.pid, code, signal }, 'a worker died; starting another');
    setTimeout(fork, 500).unref();
  });
  for (let i = 0; i < config.process.workers; i++) fork();
  logger.info({ workers: config.process.workers }, 'started the workers');

  onSignals((signal) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping the workers');
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
    setTimeout(() => {
      logger.warn('workers did not stop in time');
      process.exit(1);
    }, (config.process.shutdownTimeoutSeconds + 5) * 1000).unref();
  });
}

const runtime = openRuntime();
if (runtime.config.process.workers > 1 && cluster.isPrimary) {
  await supervise(runtime);
} else {
  // Workers start after the primary migrated; a single process migrates itself.
  if (cluster.isPrimary) await migrate(runtime);
  await serve(runtime);
}

/** A name to reach the server on this machine: localhost for every interface, IPv6 in brackets. */
function localName(host: string | undefined): string {
  if (host === undefined || host === '0.0.0.0' || host === '::') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}
