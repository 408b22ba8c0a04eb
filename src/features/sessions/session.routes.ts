import { z } from 'zod';
import { AppError } from '../../lib/errors.js';
import { errors, messageBody } from '../../lib/responses.js';
import { defineRoute, type RouteDefinition } from '../../lib/route.js';
import type { SessionService } from './session.service.js';

const session = z
  .object({
    id: z.string(),
    current: z.boolean().describe('True for the session of the access token used.'),
    createdAt: z.string(),
    lastUsedAt: z.string(),
    expiresAt: z.string(),
    userAgent: z.string().nullable(),
    ip: z.string().nullable(),
  })
  .meta({ id: 'Session' });
const sessionList = z.object({ sessions: z.array(session) }).meta({ id: 'SessionList' });

const tags = ['sessions'];
const protectedErrors = errors(401, 403, 429);

/** The caller's own sessions: list them, end one. */
export function sessionRoutes(sessions: SessionService): RouteDefinition[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/auth/sessions',
      summary: "The caller's sessions.",
      tags,
      access: 'signed-in',
      limits: ['auth'],
      noStore: true,
      responses: { 200: { description: 'Sessions.', schema: sessionList }, ...protectedErrors },
      handler: async ({ caller }) => {
        const active = await sessions.listActive(caller.id);
        return {
          sessions: active.map((s) => ({
            id: s.id,
            current: s.id === caller.sid,
            createdAt: s.createdAt,
            lastUsedAt: s.lastUsedAt,
            expiresAt: new Date(Math.min(s.idleExpiresAt.getTime(), s.expiresAt.getTime())),
            userAgent: s.userAgent,
            ip: s.ip,
          })),
        };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/auth/sessions/:id',
      summary: "End one of the caller's sessions.",
      tags,
      access: 'signed-in',
      limits: ['auth'],
      params: z.object({ id: z.string() }),
      responses: { 200: { description: 'Ended.', schema: messageBody }, ...protectedErrors, ...errors(404) },
      handler: async ({ params, caller }) => {
        if (!(await sessions.endOwn(caller.id, params.id))) throw new AppError('SESSION_NOT_FOUND');
        return { message: 'Session ended.' };
      },
    }),
  ];
}
