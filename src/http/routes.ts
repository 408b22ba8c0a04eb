import type { Express } from 'express';
import type { Redis } from 'ioredis';
import type { Config } from '../config/config.schema.js';
import { authRoutes } from '../features/auth/auth.routes.js';
import { createTokenTransport } from '../features/auth/token-transport.js';
import { boardRoutes } from '../features/boards/board.routes.js';
import { sessionRoutes } from '../features/sessions/session.routes.js';
import { jwksRoutes } from '../features/tokens/jwks.routes.js';
import type { RouteGuards } from '../lib/guards.js';
import type { Services } from '../services.js';
import { authenticate, identify } from './authenticate.js';
import { requireRole } from './authorize.js';
import { createRateLimits } from './rate-limit.js';

/** The route table: every path the service answers. */
export function mountRoutes(app: Express, services: Services, config: Config, redis: Redis | undefined): void {
  const transport = createTokenTransport({
    cookies: config.sessions.cookies,
    secure: config.env === 'production',
    accessTtlSeconds: config.tokens.accessTtlSeconds,
    sessionMaxAgeSeconds: config.sessions.maxAgeSeconds,
  });
  const fallback = (req: Parameters<typeof transport.accessTokenFrom>[0]) => transport.accessTokenFrom(req);
  const guards: RouteGuards = {
    authenticated: authenticate({ tokens: services.tokens, admit: services.admit, fallback }),
    identified: identify({ tokens: services.tokens, fallback }),
    requireRole,
  };

  app.get('/', (_req, res) => {
    res.json({ message: 'Tokengate is running.', api: '/api/auth, /api/test' });
  });
  const limits = createRateLimits({ limits: config.limits, redis, prefix: config.redis.prefix, audit: services.audit });

  app.use('/.well-known', jwksRoutes(services.keys));
  app.use('/api/auth', limits.auth);
  app.post('/api/auth/signin', limits.signinFailures);
  app.use('/api/auth/sessions', sessionRoutes(services.sessions, guards));
  app.use('/api/auth', authRoutes(services.auth, transport, guards));
  app.use('/api/test', boardRoutes(guards));
}
