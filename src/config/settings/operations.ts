import { z } from 'zod';
import { booleanText, count, duration, setting, type Setting } from '../setting.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Running it: logs, workers, shutdown, metrics and the docs page. */
export const operationSettings = {
  LOG_LEVEL: setting({
    schema: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }),
    default: 'info',
    description: '`fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent`.',
  }),
  LOG_FORMAT: setting({
    schema: z.enum(['json', 'pretty'], { error: 'must be json or pretty' }),
    shown: '`pretty` in development on a terminal, else `json`',
    description: '`json`: one JSON object a line, for collectors; `pretty`: readable lines.',
  }),
  WEB_CONCURRENCY: setting({
    schema: count(1, 64),
    default: '1',
    description: 'Worker processes sharing the port (node:cluster), e.g. the number of cores.',
  }),
  SHUTDOWN_TIMEOUT: setting({
    schema: duration(1, 600),
    default: '10s',
    description: 'How long SIGTERM/SIGINT waits for in-flight requests before closing connections.',
  }),
  METRICS_TOKEN: setting({
    schema: z.string().min(16, { error: 'must be at least 16 characters (or leave it unset)' }),
    shown: 'none',
    description: 'When set (16+ characters), `GET /metrics` requires `Authorization: Bearer <token>`.',
  }),
  DOCS_ENABLED: setting({
    schema: booleanText,
    default: 'true',
    description: '`false` turns the interactive documentation page `/api/docs` (and its assets) off; `/api/openapi.json` stays.',
  }),
} as const satisfies Record<string, Setting>;
