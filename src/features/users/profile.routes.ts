import { Router } from 'express';
import { callerOf, type RouteGuards } from '../../lib/guards.js';
import { contextOf } from '../../lib/request-context.js';
import { parseBody } from '../../lib/validation.js';
import type { ProfileService } from './profile.service.js';
import { emailChangeSchema, passwordChangeSchema } from './user.schemas.js';

/** /api/users/me: the caller's own account, and nobody else's. */
export function profileRoutes(profiles: ProfileService, guards: RouteGuards): Router {
  const router = Router();
  router.use(guards.authenticated);

  router.get('/me', async (req, res) => {
    res.set('Cache-Control', 'no-store').json(await profiles.get(callerOf(req)));
  });

  router.patch('/me', async (req, res) => {
    const { email } = parseBody(emailChangeSchema, req.body);
    res.json(await profiles.changeEmail(callerOf(req), email, contextOf(req)));
  });

  router.post('/me/password', async (req, res) => {
    const { currentPassword, newPassword } = parseBody(passwordChangeSchema, req.body);
    await profiles.changePassword(callerOf(req), currentPassword, newPassword, contextOf(req));
    res.json({ message: 'Password changed. Your other sessions have been ended.' });
  });

  return router;
}
