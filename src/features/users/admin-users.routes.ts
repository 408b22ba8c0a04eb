import { Router, type Request } from 'express';
import { callerOf } from '../../lib/guards.js';
import { page } from '../../lib/paging.js';
import { contextOf } from '../../lib/request-context.js';
import { parseBody } from '../../lib/validation.js';
import type { Actor, AdminUserService } from './admin-users.service.js';
import { idParam, newUserSchema, toUserQuery, userListQuerySchema, userPatchSchema } from './user.schemas.js';

const actorOf = (req: Request): Actor => ({ id: callerOf(req).id, context: contextOf(req), via: 'api' });
const idOf = (req: Request) => parseBody(idParam, req.params.id);

/** /api/admin/users, behind the admin guard. */
export function adminUserRoutes(admin: AdminUserService): Router {
  const router = Router();

  router.get('/', async (req, res) => {
    const query = parseBody(userListQuerySchema, req.query);
    const { items, total } = await admin.list(toUserQuery(query));
    res.json(page(items, total, query.page, query.size));
  });

  router.post('/', async (req, res) => {
    res.status(201).json(await admin.create(parseBody(newUserSchema, req.body), actorOf(req)));
  });

  router.get('/:id', async (req, res) => {
    res.json(await admin.get(idOf(req)));
  });

  router.patch('/:id', async (req, res) => {
    res.json(await admin.update(idOf(req), parseBody(userPatchSchema, req.body), actorOf(req)));
  });

  router.delete('/:id', async (req, res) => {
    await admin.remove(idOf(req), actorOf(req));
    res.json({ message: 'User deleted.' });
  });

  router.delete('/:id/sessions', async (req, res) => {
    await admin.revokeSessions(idOf(req), actorOf(req));
    res.json({ message: 'Sessions ended.' });
  });

  return router;
}
