import type { Express, Request } from 'express';
import type { Redis } from 'ioredis';
import type { Config } from '../config/config.schema.js';
import { authRoutes } from '../features/auth/auth.routes.js';
import { createTokenTransport, type TokenTransport } from '../features/auth/token-transport.js';
import { boardRoutes } from '../features/boards/board.routes.js';
import { sessionRoutes } from '../features/sessions/session.routes.js';
import { jwksRoutes } from '../features/tokens/jwks.routes.js';
import { auditRoutes } from '../features/audit/audit.routes.js';
import { roleRoutes } from '../features/roles/role.routes.js';
import { adminUserRoutes } from '../features/users/admin-users.routes.js';
import { profileRoutes } from '../features/users/profile.routes.js';
import { docsRoutes } from '../features/ops/docs.routes.js';
import { healthRoutes } from '../features/ops/health.routes.js';
import type { Metrics } from '../features/ops/metrics.js';
import { openApiDocument } from '../features/ops/openapi.js';
import type { RouteGuards } from '../lib/guards.js';
import { VERSION } from '../lib/version.js';
import { metricsEndpoint, rememberMount } from './metrics.js';
import type { Services } from '../services.js';
import { authenticate, identify } from './authenticate.js';
import { bodyParsers } from './body.js';
import { requireRole } from './authorize.js';
import { createRateLimits } from './rate-limit.js';

function tokenTransport(config: Config): TokenTransport {
  return createTokenTransport({
    cookies: config.sessions.cookies,
    secure: config.env === 'production',
    accessTtlSeconds: config.tokens.accessTtlSeconds,
    sessionMaxAgeSeconds: config.sessions.maxAgeSeconds,
  });
}

/**
 * The access-control middleware, for Tokengate's routes and for routes an embedding
 * application adds: `app.get('/reports', guards.authenticated, guards.requireRole('editor'), …)`.
 */
export function createGuards(services: Services, config: Config): RouteGuards {
  const transport = tokenTransport(config);
  const fallback = (req: Request) => transport.accessTokenFrom(req);
  return {
    authenticated: authenticate({ tokens: services.tokens, admit: services.admit, fallback }),
    identified: identify({ tokens: services.tokens, fallback }),
    requireRole,
  };
}

export interface RouteDeps {
  services: Services;
  metrics: Metrics;
  config: Config;
  redis: Redis | undefined;
}

/** The route table: every path the service answers (and the OpenAPI document describes). */
export function mountRoutes(app: Express, { services, metrics, config, redis }: RouteDeps): void {
  const transport = tokenTransport(config);
  const guards = createGuards(services, config);
  const limits = createRateLimits({ limits: config.limits, redis, prefix: config.redis.prefix, audit: services.audit });

  // The hot paths first: the boards and the keys take no body and pass no other layer.
  app.use(boardRoutes(guards));
  app.use('/.well-known', rememberMount, jwksRoutes(services.keys));
  app.use(healthRoutes(services.ping));
  app.get('/metrics', metricsEndpoint(metrics, config.metricsToken));
  app.get('/', (_req, res) => {
    res.json({ message: 'Tokengate is running. API documentation: /api/docs' });
  });
  app.get('/api/openapi.json', (_req, res) => {
    res.json(openApiDocument(VERSION));
  });
  app.use('/api/docs', rememberMount, docsRoutes());

  app.use(bodyParsers());
  app.use('/api/auth', limits.auth);
  app.post('/api/auth/signin', limits.signinFailures);
  app.use('/api/auth/sessions', rememberMount, sessionRoutes(services.sessions, guards));
  app.use('/api/auth', rememberMount, authRoutes(services.auth, transport, guards));
  app.use('/api/users', rememberMount, profileRoutes(services.profiles, guards));
  app.use('/api/admin', guards.authenticated, guards.requireRole('admin'));
  app.use('/api/admin/users', rememberMount, adminUserRoutes(services.adminUsers));
  app.use('/api/admin/roles', rememberMount, roleRoutes(services.roleService));
  app.use('/api/admin/audit', rememberMount, auditRoutes(services.audit));
}
