import { Router } from 'express';
import { z } from 'zod';
import { page } from '../../lib/paging.js';
import { parseBody, strictBodyObject } from '../../lib/validation.js';
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

/** /api/admin/audit, behind the admin guard: security events and administrative changes, newest first. */
export function auditRoutes(audit: AuditLog): Router {
  const router = Router();
  router.get('/', async (req, res) => {
    const query = parseBody(auditQuerySchema, req.query);
    const { items, total } = await audit.list({ ...query, offset: (query.page - 1) * query.size, limit: query.size });
    res.json(page(items, total, query.page, query.size));
  });
  return router;
}
