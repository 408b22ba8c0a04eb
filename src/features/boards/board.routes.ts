import { Router, type Response } from 'express';
import type { RouteGuards } from '../../lib/guards.js';

function sendText(res: Response, text: string): void {
  res.type('text/plain').send(text);
}

/** The tutorial's /api/test boards: public, any signed-in user, moderators, admins. */
export function boardRoutes(guards: RouteGuards): Router {
  const router = Router();
  router.get('/all', (_req, res) => sendText(res, 'Public Content.'));
  router.get('/user', guards.authenticated, (_req, res) => sendText(res, 'User Content.'));
  router.get('/mod', guards.authenticated, guards.requireRole('moderator'), (_req, res) =>
    sendText(res, 'Moderator Content.'),
  );
  router.get('/admin', guards.authenticated, guards.requireRole('admin'), (_req, res) =>
    sendText(res, 'Admin Content.'),
  );
  return router;
}
