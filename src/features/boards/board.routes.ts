import { errors } from '../../lib/responses.js';
import { defineRoute, sendText, type Access, type RouteDefinition } from '../../lib/route.js';
import { ADMIN, MODERATOR } from '../../lib/roles.js';

function board(path: string, summary: string, text: string, access: Access): RouteDefinition {
  return defineRoute({
    method: 'get',
    path,
    summary,
    tags: ['tutorial boards'],
    access,
    responses: { 200: { description: text, type: 'text' }, ...(access === 'public' ? {} : errors(401, 403)) },
    handler: ({ res }) => sendText(res, text),
  });
}

/** The tutorial's /api/test boards: public, any signed-in user, moderators, admins. */
export function boardRoutes(): RouteDefinition[] {
  return [
    board('/api/test/all', 'Public content.', 'Public Content.', 'public'),
    board('/api/test/user', 'Content for any signed-in user.', 'User Content.', 'signed-in'),
    board('/api/test/mod', 'Content for moderators.', 'Moderator Content.', { role: MODERATOR }),
    board('/api/test/admin', 'Content for admins.', 'Admin Content.', { role: ADMIN }),
  ];
}
