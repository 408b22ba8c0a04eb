import express, { type Express } from 'express';
import { createMetrics, type Metrics } from './features/ops/metrics.js';
import { errorHandler, notFound } from './http/error-handler.js';
import { frontDoor } from './http/front-door.js';
import { mountRoutes } from './http/routes.js';
import { createServices, type ServiceDeps, type Services } from './services.js';

export type AppDeps = ServiceDeps;

export interface Tokengate {
  app: Express;
  services: Services;
  metrics: Metrics;
  /** Loads the signing keys and revocations, then starts background work (reloads, polls, purges). */
  start(): Promise<void>;
  /** Stops background work. The caller closes the HTTP server and the database. */
  stop(): void;
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

  return {
    app,
    services,
    metrics,
    async start() {
      await services.keys.load();
      services.keys.start();
      await services.revocations.poll();
      services.revocations.start();
      services.sessions.startJobs();
      services.accounts.start();
    },
    stop() {
      services.keys.stop();
      services.revocations.stop();
      services.sessions.stopJobs();
      services.accounts.stop();
    },
  };
}
