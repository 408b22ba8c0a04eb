import { z } from 'zod';
import { AppError } from '../../lib/errors.js';
import { errors } from '../../lib/responses.js';
import { defineRoute, type RouteDefinition } from '../../lib/route.js';

const READY_TIMEOUT_MS = 2_000;

const health = z.object({ status: z.literal('ok'), pid: z.number().int(), uptimeSeconds: z.number() }).meta({ id: 'Health' });
const ready = z.object({ status: z.literal('ready'), database: z.literal('up') }).meta({ id: 'Ready' });

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** Liveness (the process answers) and readiness (the database answers), for load balancers. */
export function healthRoutes(ping: () => Promise<void>, pendingMigrations: () => Promise<string[]>): RouteDefinition[] {
  return [
    defineRoute({
      method: 'get',
      path: '/healthz',
      summary: 'Liveness: the process answers.',
      tags: ['operations'],
      access: 'public',
      noStore: true,
      responses: { 200: { description: 'Alive.', schema: health } },
      handler: () => ({ status: 'ok', pid: process.pid, uptimeSeconds: Math.round(process.uptime()) }),
    }),
    defineRoute({
      method: 'get',
      path: '/readyz',
      summary: 'Readiness: the database answers and its schema is the one this version expects.',
      tags: ['operations'],
      access: 'public',
      noStore: true,
      responses: { 200: { description: 'Ready.', schema: ready }, ...errors(503) },
      handler: async () => {
        let pending: string[];
        try {
          await withTimeout(ping(), READY_TIMEOUT_MS);
          pending = await withTimeout(pendingMigrations(), READY_TIMEOUT_MS);
        } catch (error) {
          throw new AppError('NOT_READY', undefined, { cause: error, headers: { 'Retry-After': '5' } });
        }
        if (pending.length > 0) {
          // The names go in the body: a 5xx answer carries the catalog's message, never one of ours.
          throw new AppError('SCHEMA_BEHIND', undefined, { body: { pending }, headers: { 'Retry-After': '5' } });
        }
        return { status: 'ready', database: 'up' };
      },
    }),
  ];
}
