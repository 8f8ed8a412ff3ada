/**
 * What an operator watches, as Prometheus metrics (prom-client): the process's default metrics, and the
 * server's own series. Labels are low-cardinality on purpose: route templates, methods, status classes and
 * outcomes, never an id, a token, a name or an amount.
 */
import type { ErrorCode } from '@tini-starter/api-contract/errors';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/** What became of a login, as the on-call person reads it. */
export type LoginOutcome = 'ok' | 'invalid_code' | 'rate_limited' | 'upstream_unavailable' | 'error';

export interface Metrics {
  registry: Registry;
  /** One observation per answered request. `route` is the contract's template, `unmatched` for anything else. */
  httpRequest(o: { route: string; method: string; status: number; seconds: number }): void;
  login(outcome: LoginOutcome): void;
}

/** The name every series of this server starts with. */
export const METRIC_PREFIX = 'tini_';

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Histogram({
    name: `${METRIC_PREFIX}http_request_duration_seconds`,
    help: 'Time to answer a request, by route template, method and status class.',
    labelNames: ['route', 'method', 'status_class'] as const,
    // From a cached read to a login that waited on Tiki's deadline.
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const logins = new Counter({
    name: `${METRIC_PREFIX}logins_total`,
    help: 'Logins by outcome: ok, invalid_code, rate_limited, upstream_unavailable, error.',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  return {
    registry,
    httpRequest({ route, method, status, seconds }) {
      requests.observe({ route, method, status_class: `${Math.floor(status / 100)}xx` }, seconds);
    },
    login(outcome) {
      logins.inc({ outcome });
    },
  };
}

/** The login outcome an answer stands for: its error code, or ok. */
export function loginOutcomeOf(code: ErrorCode | undefined): LoginOutcome {
  switch (code) {
    case undefined:
      return 'ok';
    case 'invalid_auth_code':
      return 'invalid_code';
    case 'rate_limited':
    case 'upstream_unavailable':
      return code;
    default:
      return 'error';
  }
}
