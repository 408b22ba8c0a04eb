import { Router } from 'express';
import { AppError } from '../../lib/errors.js';

const READY_TIMEOUT_MS = 2_000;

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** Liveness (the process answers) and readiness (the database answers), for load balancers. */
export function healthRoutes(ping: () => Promise<void>): Router {
  const router = Router();

  router.get('/healthz', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ status: 'ok', pid: process.pid, uptimeSeconds: Math.round(process.uptime()) });
  });

  router.get('/readyz', async (_req, res) => {
    try {
      await withTimeout(ping(), READY_TIMEOUT_MS);
    } catch (error) {
      throw new AppError('NOT_READY', undefined, { cause: error, headers: { 'Retry-After': '5' } });
    }
    res.set('Cache-Control', 'no-store').json({ status: 'ready', database: 'up' });
  });

  return router;
}
