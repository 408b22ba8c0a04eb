import { contextOf } from '../../lib/request-context.js';
import { errors, messageBody, page, paged } from '../../lib/responses.js';
import { defineRoute, type Caller, type RouteDefinition } from '../../lib/route.js';
import { ADMIN } from '../../lib/roles.js';
import type { Request } from 'express';
import type { Actor, AdminUserService } from './admin-users.service.js';
import { newUserSchema, toUserQuery, userIdParams, userListQuerySchema, userPatchSchema, userView } from './user.schemas.js';

const actorOf = (caller: Caller, req: Request): Actor => ({ id: caller.id, context: contextOf(req), via: 'api' });

const access = { role: ADMIN } as const;
const tags = ['administration'];
const adminErrors = errors(400, 401, 403);
const user = (description: string) => ({ description, schema: userView });
const message = (description: string) => ({ description, schema: messageBody });

/** /api/admin/users: accounts, for admins. */
export function adminUserRoutes(admin: AdminUserService): RouteDefinition[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/admin/users',
      summary: 'List and search users.',
      tags,
      access,
      query: userListQuerySchema,
      responses: { 200: { description: 'A page of users.', schema: paged(userView, 'UserPage') }, ...adminErrors },
      handler: async ({ query }) => {
        const { items, total } = await admin.list(toUserQuery(query));
        return page(items, total, query.page, query.size);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/admin/users',
      summary: 'Create a user with any roles.',
      tags,
      access,
      body: newUserSchema,
      status: 201,
      responses: { 201: user('Created.'), ...adminErrors },
      handler: ({ body, caller, req }) => admin.create(body, actorOf(caller, req)),
    }),
    defineRoute({
      method: 'get',
      path: '/api/admin/users/:id',
      summary: 'One user.',
      tags,
      access,
      params: userIdParams,
      responses: { 200: user('The user.'), ...adminErrors, ...errors(404) },
      handler: ({ params }) => admin.get(params.id),
    }),
    defineRoute({
      method: 'patch',
      path: '/api/admin/users/:id',
      summary: "Change a user's roles, disabled flag or email.",
      description: 'Removing a role or disabling ends the user’s sessions. 409 when no active admin would remain.',
      tags,
      access,
      params: userIdParams,
      body: userPatchSchema,
      responses: { 200: user('The user.'), ...adminErrors, ...errors(404, 409) },
      handler: ({ params, body, caller, req }) => admin.update(params.id, body, actorOf(caller, req)),
    }),
    defineRoute({
      method: 'delete',
      path: '/api/admin/users/:id',
      summary: 'Delete a user and end their sessions.',
      tags,
      access,
      params: userIdParams,
      responses: { 200: message('Deleted.'), ...adminErrors, ...errors(404, 409) },
      handler: async ({ params, caller, req }) => {
        await admin.remove(params.id, actorOf(caller, req));
        return { message: 'User deleted.' };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/admin/users/:id/sessions',
      summary: "End all of a user's sessions.",
      tags,
      access,
      params: userIdParams,
      responses: { 200: message('Ended.'), ...adminErrors, ...errors(404) },
      handler: async ({ params, caller, req }) => {
        await admin.revokeSessions(params.id, actorOf(caller, req));
        return { message: 'Sessions ended.' };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/admin/users/:id/mfa',
      summary: "Remove every second factor of a user (a lost phone).",
      description: 'The authenticator app and the recovery codes go; the user signs in with the password alone, and can set up a new app.',
      tags,
      access,
      params: userIdParams,
      responses: { 200: message('Removed.'), ...adminErrors, ...errors(404) },
      handler: async ({ params, caller, req }) => {
        await admin.resetSecondFactors(params.id, actorOf(caller, req));
        return { message: 'Second factors removed.' };
      },
    }),
  ];
}
