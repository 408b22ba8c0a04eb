/*
 * One load run with autocannon, in a process of its own (so it can be pinned to a core apart
 * from the server). Reads its settings as JSON from argv[2]; prints the summary as JSON.
 */
import autocannon from 'autocannon';

export interface LoadSettings {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  connections: number;
  duration?: number;
  amount?: number;
  overallRate?: number;
  timeout?: number;
  /** Refresh tokens: each request takes one; each answer's successor goes back in the pool. */
  refreshTokens?: string[];
}

export interface LoadResult {
  requestsPerSecond: number;
  /** Successful (2xx) answers per second. */
  okPerSecond: number;
  p50: number;
  p99: number;
  total: number;
  statusCodes: Record<string, number>;
  errors: number;
  timeouts: number;
  seconds: number;
}

const settings = JSON.parse(process.argv[2] ?? '{}') as LoadSettings;
const pool = [...(settings.refreshTokens ?? [])];

// autocannon resets a connection's context after each pass over `requests`, so the rotation
// chain lives in one shared pool: as many tokens as connections, each used exactly once.
const requests = settings.refreshTokens
  ? [
      {
        method: 'POST' as const,
        path: new URL(settings.url).pathname,
        headers: { 'content-type': 'application/json' },
        setupRequest: (request: autocannon.Request) => ({ ...request, body: JSON.stringify({ refreshToken: pool.shift() }) }),
        onResponse: (status: number, body: string) => {
          if (status === 200) pool.push((JSON.parse(body) as { refreshToken: string }).refreshToken);
        },
      },
    ]
  : undefined;

const result = await autocannon({
  url: settings.url,
  method: settings.method ?? 'GET',
  headers: settings.headers,
  body: settings.body,
  connections: settings.connections,
  duration: settings.duration ?? 5,
  amount: settings.amount,
  overallRate: settings.overallRate,
  timeout: settings.timeout ?? 10,
  ...(requests ? { requests } : {}),
});

const statusCodes: Record<string, number> = {};
for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = (stat as { count: number }).count;
const ok = Object.entries(statusCodes)
  .filter(([code]) => code.startsWith('2'))
  .reduce((sum, [, count]) => sum + count, 0);
const summary: LoadResult = {
  requestsPerSecond: result.requests.average,
  okPerSecond: ok / result.duration,
  p50: result.latency.p50,
  p99: result.latency.p99,
  total: result.requests.total,
  statusCodes,
  errors: result.errors,
  timeouts: result.timeouts,
  seconds: result.duration,
};
process.stdout.write(`${JSON.stringify(summary)}\n`);
