import { z } from 'zod';
import { errors, page, paged } from '../../lib/responses.js';
import { defineRoute, type RouteDefinition } from '../../lib/route.js';
import { ADMIN } from '../../lib/roles.js';
import { strictBodyObject } from '../../lib/validation.js';
import type { AuditLog } from './audit.service.js';

const instant = (name: string) =>
  z.iso.datetime({ offset: true, error: `${name} must be an ISO 8601 time such as 2026-01-31T12:00:00Z` }).transform((v) => new Date(v));

export const auditQuerySchema = strictBodyObject({
  userId: z.coerce.number({ error: 'userId must be a positive whole number' }).int().positive().optional(),
  type: z
    .string({ error: 'type must be given once' })
    .regex(/^[a-z_]+(\.[a-z_]*)?$/, { error: 'type must be an event type such as signin.failure, or a prefix such as signin.' })
    .optional(),
  from: instant('from').optional(),
  to: instant('to').optional(),
  page: z.coerce.number({ error: 'page must be a whole number from 1' }).int().min(1).default(1),
  size: z.coerce
    .number({ error: 'size must be a whole number from 1 to 100' })
    .int()
    .min(1, { error: 'size must be a whole number from 1 to 100' })
    .max(100, { error: 'size must be a whole number from 1 to 100' })
    .default(50),
});

const auditEvent = z
  .object({
    id: z.number().int(),
    type: z.string(),
    actorId: z.number().int().nullable(),
    targetId: z.number().int().nullable(),
    username: z.string().nullable(),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
    details: z.record(z.string(), z.unknown()).nullable(),
    createdAt: z.string(),
  })
  .meta({ id: 'AuditEvent' });

/** /api/admin/audit: security events and administrative changes, newest first. */
export function auditRoutes(audit: AuditLog): RouteDefinition[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/admin/audit',
      summary: 'The audit trail, newest first.',
      tags: ['administration'],
      access: { role: ADMIN },
      query: auditQuerySchema,
      responses: { 200: { description: 'A page of events.', schema: paged(auditEvent, 'AuditPage') }, ...errors(400, 401, 403) },
      handler: async ({ query }) => {
        const { items, total } = await audit.list({ ...query, offset: (query.page - 1) * query.size, limit: query.size });
        return page(items, total, query.page, query.size);
      },
    }),
  ];
}
