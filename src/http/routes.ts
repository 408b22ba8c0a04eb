import type { Express } from 'express';
import type { Redis } from 'ioredis';
import { publicPath, type Config } from '../config/config.loader.js';
import { profileRoutes } from '../features/account/profile.routes.js';
import { auditRoutes } from '../features/audit/audit.routes.js';
import { authRoutes } from '../features/auth/auth.routes.js';
import { boardRoutes } from '../features/boards/board.routes.js';
import { emailRoutes } from '../features/email/email.routes.js';
import { DOCS_ASSETS_PATH, docsAssets, docsRoutes } from '../features/ops/docs.routes.js';
import { mfaRoutes } from '../features/mfa/mfa.routes.js';
import { healthRoutes } from '../features/ops/health.routes.js';
import type { Metrics } from '../features/ops/metrics.js';
import { opsRoutes } from '../features/ops/ops.routes.js';
import { passkeyRoutes } from '../features/passkeys/passkey.routes.js';
import { roleRoutes } from '../features/roles/role.routes.js';
import { sessionRoutes } from '../features/sessions/session.routes.js';
import { jwksRoutes } from '../features/tokens/jwks.routes.js';
import { adminUserRoutes } from '../features/users/admin-users.routes.js';
import type { RouteDefinition } from '../lib/route.js';
import { VERSION } from '../lib/version.js';
import type { Services } from '../services.js';
import { bodyParsers } from './body.js';
import { CONSOLE_PATH, consoleAssets } from './console.js';
import { csrfGuard } from './csrf.js';
import { createGuards, tokenTransport } from './guards.js';
import { openApiDocument } from './openapi.js';
import { createRateLimits } from './rate-limit.js';
import { registerRoutes } from './register-routes.js';

export interface RouteDeps {
  services: Services;
  metrics: Metrics;
  config: Config;
  redis: Redis | undefined;
}

/** Every route the service answers, each declared once by its feature. */
export function routeTable({ services, metrics, config }: RouteDeps): RouteDefinition[] {
  let document: Record<string, unknown> | undefined;
  const routes: RouteDefinition[] = [
    // The hot paths first: the boards and the keys take no body.
    ...boardRoutes(),
    ...jwksRoutes(services.keys),
    ...healthRoutes(services.ping, services.pendingMigrations),
    ...opsRoutes({
      metrics,
      metricsToken: config.metricsToken,
      openApi: () => (document ??= openApiDocument(routes, VERSION, publicPath(config))),
    }),
    ...(config.docs.enabled ? docsRoutes(publicPath(config)) : []),
    ...authRoutes(services.auth, tokenTransport(config)),
    ...emailRoutes(services.emails),
    ...sessionRoutes(services.sessions),
    ...profileRoutes(services.profiles),
    ...mfaRoutes(services.mfa),
    ...passkeyRoutes(services.passkeys),
    ...adminUserRoutes(services.adminUsers),
    ...roleRoutes(services.roleService),
    ...auditRoutes(services.audit),
  ];
  return routes;
}

/** Mounts the route table: body-less routes first, then the body parsers, then the rest. */
export function mountRoutes(app: Express, deps: RouteDeps): void {
  const routes = routeTable(deps);
  const middleware = {
    guards: createGuards(deps.services, deps.config),
    limits: createRateLimits({ limits: deps.config.limits, redis: deps.redis, prefix: deps.config.redis.prefix, audit: deps.services.audit }),
    csrf: csrfGuard({
      cookies: deps.config.sessions.cookies,
      allowedOrigins: [...deps.config.http.corsOrigins, new URL(deps.config.mail.publicUrl).origin],
    }),
  };
  const takesBody = (route: RouteDefinition) => route.method !== 'get';
  registerRoutes(app, routes.filter((route) => !takesBody(route)), middleware);
  if (deps.config.docs.enabled) app.use(DOCS_ASSETS_PATH, ...docsAssets(publicPath(deps.config)));
  app.use(CONSOLE_PATH, ...consoleAssets({ appName: deps.config.mail.appName, prefix: publicPath(deps.config) }));
  app.use(bodyParsers());
  registerRoutes(app, routes.filter(takesBody), middleware);
}
