import { Router, type Response } from 'express';
import type { RouteGuards } from '../../lib/guards.js';

function sendText(res: Response, text: string): void {
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.send(text);
}

/**
 * The tutorial's /api/test boards: public, any signed-in user, moderators, admins. Full paths
 * in a router mounted at the root: the hottest routes pay for no mount point.
 */
export function boardRoutes(guards: RouteGuards): Router {
  const router = Router();
  router.get('/api/test/all', (_req, res) => sendText(res, 'Public Content.'));
  router.get('/api/test/user', guards.authenticated, (_req, res) => sendText(res, 'User Content.'));
  router.get('/api/test/mod', guards.authenticated, guards.requireRole('moderator'), (_req, res) =>
    sendText(res, 'Moderator Content.'),
  );
  router.get('/api/test/admin', guards.authenticated, guards.requireRole('admin'), (_req, res) =>
    sendText(res, 'Admin Content.'),
  );
  return router;
}
