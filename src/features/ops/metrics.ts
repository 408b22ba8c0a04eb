import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry, type Metric } from 'prom-client';
import type { BoundedExecutor } from '../../lib/bounded-executor.js';

/*
 * Prometheus metrics, in a registry of this app's own (several apps may share a process in
 * tests). Process and Node.js metrics (CPU, memory, event-loop lag, GC) come from prom-client's
 * defaults; the rest are Tokengate's.
 */

export interface RequestObservation {
  method: string;
  /** The matched route pattern, e.g. /api/admin/users/:id, or "unmatched". */
  route: string;
  status: number;
  seconds: number;
  /** The error code of a failed request, when there was one. */
  code?: string | undefined;
}

export interface Metrics {
  readonly registry: Registry;
  observe(request: RequestObservation): void;
}

export interface MetricsDeps {
  hashing: BoundedExecutor;
  /** Metrics that features keep themselves (e.g. mail), registered here. */
  extra?: readonly Metric[];
}

export function createMetrics({ hashing, extra = [] }: MetricsDeps): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 20 });
  for (const metric of extra) registry.registerMetric(metric);

  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by method, route and status.',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const outcomes = {
    'POST /api/auth/signin': new Counter({
      name: 'tokengate_signin_total',
      help: 'Signin attempts by outcome: success, or the error code (INVALID_CREDENTIALS, SIGNIN_THROTTLED, …).',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    'POST /api/auth/mfa/verify': new Counter({
      name: 'tokengate_mfa_verify_total',
      help: 'Second steps of signins by outcome: success, or the error code (MFA_CODE_INVALID, MFA_TOKEN_INVALID, …).',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    'POST /api/auth/refreshtoken': new Counter({
      name: 'tokengate_refresh_total',
      help: 'Refresh attempts by outcome: success, or the error code (REFRESH_TOKEN_REUSED, …).',
      labelNames: ['outcome'],
      registers: [registry],
    }),
  } satisfies Record<string, Counter>;
  new Gauge({
    name: 'tokengate_password_hashes',
    help: 'Password hashes running and waiting for a slot.',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      this.set({ state: 'running' }, hashing.active);
      this.set({ state: 'waiting' }, hashing.waiting);
    },
  });

  // One labelled child per method, route and status, looked up by a string, not a label object.
  const series = new Map<string, ReturnType<typeof duration.labels>>();
  return {
    registry,
    observe({ method, route, status, seconds, code }) {
      const key = `${method} ${route} ${status}`;
      let child = series.get(key);
      if (!child) {
        child = duration.labels(method, route, String(status));
        series.set(key, child);
      }
      child.observe(seconds);
      const counter = (outcomes as Record<string, Counter | undefined>)[`${method} ${route}`];
      counter?.inc({ outcome: status < 400 ? 'success' : (code ?? String(status)) });
    },
  };
}
