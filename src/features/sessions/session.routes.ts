import { Router } from 'express';
import { AppError } from '../../lib/errors.js';
import { callerOf, type RouteGuards } from '../../lib/guards.js';
import type { SessionService } from './session.service.js';

/** The caller's own sessions: list them, end one. */
export function sessionRoutes(sessions: SessionService, guards: RouteGuards): Router {
  const router = Router();

  router.get('/', guards.authenticated, async (req, res) => {
    const caller = callerOf(req);
    const active = await sessions.listActive(caller.id);
    res.set('Cache-Control', 'no-store').json({
      sessions: active.map((s) => ({
        id: s.id,
        current: s.id === caller.sid,
        createdAt: s.createdAt,
        lastUsedAt: s.lastUsedAt,
        expiresAt: new Date(Math.min(s.idleExpiresAt.getTime(), s.expiresAt.getTime())),
        userAgent: s.userAgent,
        ip: s.ip,
      })),
    });
  });

  router.delete('/:id', guards.authenticated, async (req, res) => {
    const ended = await sessions.endOwn(callerOf(req).id, String(req.params.id));
    if (!ended) throw new AppError('SESSION_NOT_FOUND');
    res.json({ message: 'Session ended.' });
  });

  return router;
}
