import { Router } from 'express';
import { z } from 'zod';
import { callerOf } from '../../lib/guards.js';
import { contextOf } from '../../lib/request-context.js';
import { parseBody, stringField, strictBodyObject } from '../../lib/validation.js';
import type { RoleService } from './role.service.js';

export const ROLE_NAME_RULE = 'name must be 2 to 32 lowercase letters, digits, "_" or "-", starting with a letter';
const roleName = stringField('name').regex(/^[a-z][a-z0-9_-]{1,31}$/, { error: ROLE_NAME_RULE });
export const newRoleSchema = strictBodyObject({ name: roleName });

/** /api/admin/roles, behind the admin guard. */
export function roleRoutes(roles: RoleService): Router {
  const router = Router();

  router.get('/', async (_req, res) => {
    res.json({ roles: await roles.list() });
  });

  router.post('/', async (req, res) => {
    const { name } = parseBody(newRoleSchema, req.body);
    res.status(201).json(await roles.create(name, { id: callerOf(req).id, context: contextOf(req) }));
  });

  router.delete('/:name', async (req, res) => {
    const name = parseBody(z.string().max(64), req.params.name);
    await roles.remove(name, { id: callerOf(req).id, context: contextOf(req) });
    res.json({ message: 'Role deleted.' });
  });

  return router;
}
