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
      summary: "Change the caller's email: a confirmation link goes to the new address, a notice to the current one.",
      description: 'The address changes when the link is used (POST /api/auth/verify-email); until then signin and mail use the current one.',
      tags,
      access: 'signed-in',
      body: emailChangeSchema,
      status: 202,
      responses: { 202: { description: 'Link sent.', schema: messageBody }, ...protectedErrors, ...errors(400) },
      handler: async ({ body, caller, req }) => {
        await profiles.requestEmailChange(caller, body.email, contextOf(req));
        return { message: `A confirmation link was sent to ${body.email}. Your address changes when it is used.` };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/users/me/password',
      summary: "Change the caller's password; ends every other session.",
      tags,
      access: 'signed-in',
      // A wrong current password counts as a failed signin of the address.
      limits: ['signinFailures'],
      body: passwordChangeSchema,
      responses: { 200: { description: 'Changed.', schema: messageBody }, ...protectedErrors, ...errors(400) },
      handler: async ({ body, caller, req }) => {
        await profiles.changePassword(caller, body.currentPassword, body.newPassword, contextOf(req));
        return { message: 'Password changed. Your other sessions have been ended.' };
      },
    }),
  ];
}
