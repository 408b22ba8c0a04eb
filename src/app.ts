import express, { type Express } from 'express';
import { createMetrics, type Metrics } from './features/ops/metrics.js';
import { KEY_RELOAD_INTERVAL_MS } from './features/tokens/key-ring.js';
import { errorHandler, notFound } from './http/error-handler.js';
import { frontDoor } from './http/front-door.js';
import { mountRoutes } from './http/routes.js';
import { periodicJob, type PeriodicJob } from './lib/periodic-job.js';
import { createServices, type ServiceDeps, type Services } from './services.js';

export type AppDeps = ServiceDeps;

export interface Tokengate {
  app: Express;
  services: Services;
  metrics: Metrics;
  /** Loads the signing keys and revocations, then starts the background jobs. */
  start(): Promise<void>;
  /** Stops the background jobs, waiting for runs in progress. The caller closes the HTTP server and the database. */
  stop(): Promise<void>;
}

const SESSION_PURGE_INTERVAL_MS = 3600 * 1000;

/** Every background job of an instance, in one list. Each is safe on any number of instances. */
function backgroundJobs({ services, config, logger }: { services: Services } & AppDeps): PeriodicJob[] {
  const job = (name: string, intervalMs: number, run: () => Promise<unknown>) => periodicJob({ name, intervalMs, run, logger });
  const jobs = [
    job('signing-key reload', KEY_RELOAD_INTERVAL_MS, () => services.keys.load()),
    job('revocation poll', config.sessions.revocationPollSeconds * 1000, () => services.revocations.poll()),
    job('session purge', SESSION_PURGE_INTERVAL_MS, async () => {
      logger.debug({ purged: await services.sessions.purge() }, 'purged ended sessions');
    }),
    job('mfa challenge purge', SESSION_PURGE_INTERVAL_MS, async () => {
      logger.debug({ purged: await services.auth.purgeMfaChallenges() }, 'purged expired mfaTokens');
    }),
  ];
  const accountCheck = config.accounts.checkIntervalSeconds;
  if (accountCheck > 0) jobs.push(job('account check', accountCheck * 1000, () => services.accounts.check()));
  return jobs;
}

/** The Express application with its services; no listen(), so tests can use it directly. */
export function createApp(deps: AppDeps): Tokengate {
  const services = createServices(deps);
  const metrics = createMetrics({ hashing: services.hashing });
  const app = express();
  app.disable('x-powered-by');
  const { trustProxy } = deps.config.http;
  app.set('trust proxy', typeof trustProxy === 'object' ? [...trustProxy] : trustProxy);

  app.use(frontDoor({ logger: deps.logger, metrics, corsOrigins: deps.config.http.corsOrigins }));
  mountRoutes(app, { services, metrics, config: deps.config, redis: deps.redis });
  app.use(notFound);
  app.use(errorHandler(deps.logger));

  const jobs = backgroundJobs({ ...deps, services });
  return {
    app,
    services,
    metrics,
    async start() {
      await services.keys.load();
      await services.revocations.poll();
      for (const job of jobs) job.start();
    },
    async stop() {
      await Promise.all(jobs.map((job) => job.stop()));
    },
  };
}
