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
const MAIL_PURGE_INTERVAL_MS = 3600 * 1000;

/** Every background job of an instance, in one list. Each is safe on any number of instances. */
function backgroundJobs({ services, config, logger }: { services: Services } & AppDeps): PeriodicJob[] {
  const job = (name: string, intervalMs: number, run: () => Promise<unknown>) => periodicJob({ name, intervalMs, run, logger });
  const jobs = [
    job('signing-key reload', KEY_RELOAD_INTERVAL_MS, () => services.keys.load()),
    job('revocation poll', config.sessions.revocationPollSeconds * 1000, () => services.revocations.poll()),
    job('session purge', SESSION_PURGE_INTERVAL_MS, async () => {
      logger.debug({ purged: await services.sessions.purge() }, 'purged ended sessions');
    }),
    // Claims are leases on outbox rows: any number of instances may send at once.
    job('mail sender', services.mail.timing.pollMs, () => services.mail.deliver()),
    job('mail purge', MAIL_PURGE_INTERVAL_MS, async () => {
      logger.debug({ outbox: await services.mail.purge(), tokens: await services.emails.purge() }, 'purged old mail and links');
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
  const metrics = createMetrics({ hashing: services.hashing, extra: services.mail.metrics.all });
  const app = express();
  app.disable('x-powered-by');
  const { trustProxy } = deps.config.http;
  app.set('trust proxy', typeof trustProxy === 'object' ? [...trustProxy] : trustProxy);

  app.use(frontDoor({ logger: deps.logger, metrics, corsOrigins: deps.config.http.corsOrigins }));
  mountRoutes(app, { services, metrics, config: deps.config, redis: deps.redis });
  app.use(notFound);
  app.use(errorHandler(deps.logger));

  const jobs = backgroundJobs({ ...deps, services });
  const sender = jobs.find((job) => job.name === 'mail sender');
  // Mail queued on this instance goes out at once, not at the next poll.
  services.mail.onQueued(() => sender?.nudge());
  return {
    app,
    services,
    metrics,
    async start() {
      await services.keys.load();
      await services.revocations.poll();
      await services.loadMailTemplates();
      if (services.mail.transport === 'file' && deps.config.env === 'development') {
        deps.logger.info(`SMTP_URL is not set: mail is written as .eml files under ${deps.config.mail.fileDir}, and its links are logged`);
      }
      for (const job of jobs) job.start();
    },
    async stop() {
      await Promise.all(jobs.map((job) => job.stop()));
      services.mail.close();
    },
  };
}
