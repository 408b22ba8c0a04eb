import type { Express } from 'express';
import { authRoutes } from '../features/auth/auth.routes.js';
import { boardRoutes } from '../features/boards/board.routes.js';
import type { RouteGuards } from '../lib/guards.js';
import type { Services } from '../services.js';
import { authenticate } from './authenticate.js';
import { requireRole } from './authorize.js';

/** The route table: every path the service answers. */
export function mountRoutes(app: Express, services: Services): void {
  const guards: RouteGuards = {
    authenticated: authenticate({ tokens: services.tokens, admit: services.admit }),
    requireRole,
  };
  app.get('/', (_req, res) => {
    res.json({ message: 'Tokengate is running.', api: '/api/auth, /api/test' });
  });
  app.use('/api/auth', authRoutes(services.auth));
  app.use('/api/test', boardRoutes(guards));
}
