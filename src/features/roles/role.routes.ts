import { z } from 'zod';
import { errors, messageBody } from '../../lib/responses.js';
import { defineRoute, type RouteDefinition } from '../../lib/route.js';
import { ADMIN } from '../../lib/roles.js';
import { contextOf } from '../../lib/request-context.js';
import { newRoleSchema } from './role.schemas.js';
import type { RoleService } from './role.service.js';

const role = z
  .object({ id: z.number().int(), name: z.string(), builtin: z.boolean(), users: z.number().int() })
  .meta({ id: 'Role' });
const roleList = z.object({ roles: z.array(role) }).meta({ id: 'RoleList' });

const access = { role: ADMIN } as const;
const tags = ['administration'];
const adminErrors = errors(400, 401, 403);

/** /api/admin/roles: the roles, and custom ones created and deleted. */
export function roleRoutes(roles: RoleService): RouteDefinition[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/admin/roles',
      summary: 'All roles.',
      tags,
      access,
      responses: { 200: { description: 'Roles.', schema: roleList }, ...adminErrors },
      handler: async () => ({ roles: await roles.list() }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/admin/roles',
      summary: 'Create a custom role.',
      tags,
      access,
      body: newRoleSchema,
      status: 201,
      responses: { 201: { description: 'Created.', schema: role }, ...adminErrors, ...errors(409) },
      handler: ({ body, caller, req }) => roles.create(body.name, { id: caller.id, context: contextOf(req) }),
    }),
    defineRoute({
      method: 'delete',
      path: '/api/admin/roles/:name',
      summary: 'Delete a custom role.',
      tags,
      access,
      params: z.object({ name: z.string().max(64) }),
      responses: { 200: { description: 'Deleted.', schema: messageBody }, ...adminErrors, ...errors(404, 409) },
      handler: async ({ params, caller, req }) => {
        await roles.remove(params.name, { id: caller.id, context: contextOf(req) });
        return { message: 'Role deleted.' };
      },
    }),
  ];
}
