import { z } from 'zod';
import { constantTimeEqual } from '../../lib/crypto.js';
import { AppError } from '../../lib/errors.js';
import { errors, messageBody } from '../../lib/responses.js';
import { defineRoute, type RouteDefinition } from '../../lib/route.js';
import type { Metrics } from './metrics.js';

export interface OpsRouteDeps {
  metrics: Metrics;
  /** When set, GET /metrics requires `Authorization: Bearer <token>`. */
  metricsToken: string | undefined;
  /** The OpenAPI document of every route (built by the HTTP layer from the route declarations). */
  openApi: () => Record<string, unknown>;
}

const tags = ['operations'];

/** The root, the Prometheus metrics and the OpenAPI document. */
export function opsRoutes({ metrics, metricsToken, openApi }: OpsRouteDeps): RouteDefinition[] {
  const expected = metricsToken === undefined ? undefined : Buffer.from(`Bearer ${metricsToken}`);
  return [
    defineRoute({
      method: 'get',
      path: '/',
      summary: 'Says that the service runs.',
      tags,
      access: 'public',
      responses: { 200: { description: 'Running.', schema: messageBody } },
      handler: () => ({ message: 'Tokengate is running. API documentation: /api/docs' }),
    }),
    defineRoute({
      method: 'get',
      path: '/metrics',
      summary: 'Prometheus metrics.',
      tags,
      access: 'public',
      security: [{ metricsToken: [] }, {}],
      responses: { 200: { description: 'Metrics in the Prometheus text format.', type: 'text' }, ...errors(403) },
      handler: async ({ req, res }) => {
        if (expected && !constantTimeEqual(Buffer.from(req.get('authorization') ?? ''), expected)) {
          throw new AppError('METRICS_TOKEN_REQUIRED');
        }
        res.set('Content-Type', metrics.registry.contentType).send(await metrics.registry.metrics());
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/openapi.json',
      summary: 'This document.',
      tags,
      access: 'public',
      responses: { 200: { description: 'OpenAPI 3.1.', schema: z.record(z.string(), z.unknown()) } },
      handler: () => openApi(),
    }),
  ];
}
