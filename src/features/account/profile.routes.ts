import { contextOf } from '../../lib/request-context.js';
import { errors, messageBody } from '../../lib/responses.js';
import { defineRoute, type RouteDefinition } from '../../lib/route.js';
import { emailChangeSchema, passwordChangeSchema, userView } from '../users/user.schemas.js';
import type { ProfileService } from './profile.service.js';

const tags = ['self-service'];
const protectedErrors = errors(401, 403, 429);

/** /api/users/me: the caller's own account, and nobody else's. */
export function profileRoutes(profiles: ProfileService): RouteDefinition[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/users/me',
      summary: "The caller's account.",
      tags,
      access: 'signed-in',
      noStore: true,
      responses: { 200: { description: 'The account.', schema: userView }, ...protectedErrors },
      handler: ({ caller }) => profiles.get(caller),
    }),
    defineRoute({
      method: 'patch',
      path: '/api/users/me',
      summary: "Change the caller's email.",
      tags,
      access: 'signed-in',
      body: emailChangeSchema,
      responses: { 200: { description: 'The account.', schema: userView }, ...protectedErrors, ...errors(400) },
      handler: ({ body, caller, req }) => profiles.changeEmail(caller, body.email, contextOf(req)),
    }),
    defineRoute({
      method: 'post',
      path: '/api/users/me/password',
      summary: "Change the caller's password; ends every other session.",
      tags,
      access: 'signed-in',
      body: passwordChangeSchema,
      responses: { 200: { description: 'Changed.', schema: messageBody }, ...protectedErrors, ...errors(400) },
      handler: async ({ body, caller, req }) => {
        await profiles.changePassword(caller, body.currentPassword, body.newPassword, contextOf(req));
        return { message: 'Password changed. Your other sessions have been ended.' };
      },
    }),
  ];
}
