/**
 * What an operator watches, as Prometheus metrics (prom-client): the process's default metrics, and the
 * server's own series. Labels are low-cardinality on purpose: route templates, Tiki routes, statuses, outcomes
 * and limiter names, never an id, a token, a name or an amount.
 *
 * The domain says what happened through this interface (an IPN applied, a fulfilment given up) and never
 * touches prom-client; `NO_METRICS` is the same interface doing nothing, for METRICS_PORT=0, so that a server
 * without a metrics listener does not pay for counting (bench/README.md names the row that measures it).
 */
import type { TikiAttempt } from '@tini-starter/tiki-platform/client';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { PoolStats, StoreEvents } from '../store/store.ts';

/** What became of a login, as the on-call person reads it. */
export type LoginOutcome = 'ok' | 'invalid_code' | 'rate_limited' | 'upstream_unavailable' | 'error';

/** What became of an IPN: the receiver's outcomes (payments/ipn.ts), and the route's refusals and failures. */
export type IpnAnswer =
  | 'applied'
  | 'duplicate'
  | 'older'
  | 'reread_refused'
  | 'unknown_status'
  | 'bad_signature'
  | 'refused'
  | 'error';

/** The stages of a fulfilment: a claim won (started), then succeeded, failed (retried later) or given up. */
export type FulfilmentStage = 'started' | 'succeeded' | 'failed' | 'given_up';

export interface Metrics extends StoreEvents {
  /** Null when metrics are off (NO_METRICS): nothing is counted, nothing can be scraped. */
  registry: Registry | null;
  /** One observation per answered request. `route` is the contract's template, `unmatched` for anything else. */
  httpRequest(o: { route: string; method: string; status: number; seconds: number }): void;
  login(outcome: LoginOutcome): void;
  /** The Tiki client's `onAttempt`: every HTTP attempt, by Tiki route and outcome. */
  tikiAttempt(attempt: TikiAttempt): void;
  /** Tiki created an order for us (the buyer's create answered). */
  orderCreated(): void;
  fulfilment(stage: FulfilmentStage): void;
  ipn(outcome: IpnAnswer): void;
  /** An IPN applied, this long after Tiki's `message_created_at`. */
  ipnApplied(delaySeconds: number): void;
  /** A sweep run ended (null: it failed before it could say what it did). */
  sweepRun(run: { reread: number; tikiUnavailable: boolean } | null): void;
  /**
   * When the oldest order that is paid, not fulfilled and not final was paid (ms since epoch), as the store
   * answered at the end of a sweep run; null when there is none. The gauge grows from it until the next run.
   */
  oldestUnfulfilledPaidAt(paidAt: number | null): void;
  /** A request refused by the limiter `limiter` (the names in http/rate-limit.ts's callers). */
  rateLimited(limiter: string): void;
  /**
   * Where the pool gauges read from at each scrape. A store without a pool (SQLite: `read` answers null) gets
   * no pool series at all rather than zeros.
   */
  watchPool(read: () => PoolStats | null): void;
}

/** The name every series of this server starts with. */
export const METRIC_PREFIX = 'tini_';

/** Metrics off: the same calls, counting nothing. */
export const NO_METRICS: Metrics = {
  registry: null,
  httpRequest() {},
  login() {},
  tikiAttempt() {},
  orderCreated() {},
  orderStatusChanged() {},
  fulfilment() {},
  ipn() {},
  ipnApplied() {},
  sweepRun() {},
  oldestUnfulfilledPaidAt() {},
  rateLimited() {},
  storeWaited() {},
  storeUnavailable() {},
  watchPool() {},
};

const LOGIN_OUTCOMES: readonly LoginOutcome[] = [
  'ok',
  'invalid_code',
  'rate_limited',
  'upstream_unavailable',
  'error',
];
const IPN_ANSWERS: readonly IpnAnswer[] = [
  'applied',
  'duplicate',
  'older',
  'reread_refused',
  'unknown_status',
  'bad_signature',
  'refused',
  'error',
];
const FULFILMENT_STAGES: readonly FulfilmentStage[] = ['started', 'succeeded', 'failed', 'given_up'];
const SWEEP_OUTCOMES = ['ok', 'tiki_unavailable', 'failed'] as const;

/** @param now the clock the gauges of age read at each scrape (the server's clock). */
export function createMetrics(o: { now: () => number } = { now: Date.now }): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const name = (rest: string) => `${METRIC_PREFIX}${rest}`;

  const requests = new Histogram({
    name: name('http_request_duration_seconds'),
    help: 'Time to answer a request, by route template, method and status class.',
    labelNames: ['route', 'method', 'status_class'] as const,
    // From a cached read to a login that waited on Tiki's deadline.
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const logins = new Counter({
    name: name('logins_total'),
    help: 'Logins by outcome: ok, invalid_code, rate_limited, upstream_unavailable, error.',
    labelNames: ['outcome'] as const,
    registers,
  });
  const tiki = new Histogram({
    name: name('tiki_request_duration_seconds'),
    help:
      'Each HTTP attempt at Tiki (a retried read is several), by Tiki route, outcome (ok, refused, rate_limited, ' +
      'server_error, timeout, network, unreadable, error) and, for refused, Tiki’s reason.',
    labelNames: ['route', 'outcome', 'reason'] as const,
    buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const ordersCreated = new Counter({
    name: name('orders_created_total'),
    help: 'Orders Tiki created for a buyer.',
    registers,
  });
  const transitions = new Counter({
    name: name('order_status_changes_total'),
    help: 'Order status changes written by this instance, from and to Tiki’s statuses.',
    labelNames: ['from', 'to'] as const,
    registers,
  });
  const fulfilments = new Counter({
    name: name('fulfilments_total'),
    help: 'Fulfilments by stage: started, succeeded, failed (tried again later), given_up (canceled, refunded).',
    labelNames: ['stage'] as const,
    registers,
  });
  const ipns = new Counter({
    name: name('ipn_received_total'),
    help:
      'IPNs by outcome: applied, duplicate, older, reread_refused, unknown_status (recorded, not applied), ' +
      'bad_signature, refused (not ours, malformed), error (answered 5xx: Tiki retries).',
    labelNames: ['outcome'] as const,
    registers,
  });
  const ipnDelay = new Histogram({
    name: name('ipn_apply_delay_seconds'),
    help: 'From Tiki’s message_created_at to the IPN applied here (Tiki’s clock against ours).',
    buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
    registers,
  });
  const sweeps = new Counter({
    name: name('order_sweep_runs_total'),
    help: 'Sweep runs by outcome: ok, tiki_unavailable (stopped: Tiki could not list), failed.',
    labelNames: ['outcome'] as const,
    registers,
  });
  const swept = new Counter({
    name: name('order_sweep_orders_reread_total'),
    help: 'Orders the sweep re-read from Tiki.',
    registers,
  });
  let oldestPaidAt: number | null = null;
  new Gauge({
    name: name('order_oldest_unfulfilled_paid_age_seconds'),
    help:
      'Age of the oldest paid order not yet fulfilled nor final, as this instance’s last sweep run found it ' +
      '(0: none); it grows until the next run.',
    registers,
    collect() {
      this.set(oldestPaidAt === null ? 0 : Math.max(0, (o.now() - oldestPaidAt) / 1000));
    },
  });
  const limited = new Counter({
    name: name('rate_limited_total'),
    help: 'Requests refused by a rate limit, by limiter.',
    labelNames: ['limiter'] as const,
    registers,
  });
  const storeWaits = new Counter({
    name: name('store_waits_total'),
    help: 'Store operations that waited: SQLite locked by another process, or no free PostgreSQL connection.',
    registers,
  });
  const storeUnavailable = new Counter({
    name: name('store_unavailable_total'),
    help: 'Store operations that failed as storage_unavailable (the database locked past its deadline, or gone).',
    registers,
  });
  const POOL_GAUGES: Record<keyof PoolStats, string> = {
    total: 'PostgreSQL connections open in this instance’s pool.',
    idle: 'PostgreSQL connections open and idle.',
    waiting: 'Store requests waiting for a PostgreSQL connection.',
    max: 'The most connections this instance’s pool opens (DATABASE_POOL_MAX).',
  };
  const watchPool = (read: () => PoolStats | null) => {
    if (read() === null) return;
    for (const [field, help] of Object.entries(POOL_GAUGES) as [keyof PoolStats, string][]) {
      new Gauge({
        name: name(`store_pool_${field}`),
        help,
        registers,
        collect() {
          const stats = read();
          if (stats !== null) this.set(stats[field]);
        },
      });
    }
  };

  // Every known label value starts at 0, so that rate() and increase() see the first event.
  // (labels() alone does not make a series: an increment of 0 does.)
  for (const outcome of LOGIN_OUTCOMES) logins.inc({ outcome }, 0);
  for (const outcome of IPN_ANSWERS) ipns.inc({ outcome }, 0);
  for (const stage of FULFILMENT_STAGES) fulfilments.inc({ stage }, 0);
  for (const outcome of SWEEP_OUTCOMES) sweeps.inc({ outcome }, 0);

  return {
    registry,
    httpRequest({ route, method, status, seconds }) {
      requests.observe({ route, method, status_class: `${Math.floor(status / 100)}xx` }, seconds);
    },
    login(outcome) {
      logins.inc({ outcome });
    },
    tikiAttempt({ route, outcome, reason, seconds }) {
      tiki.observe({ route, outcome, reason }, seconds);
    },
    orderCreated() {
      ordersCreated.inc();
    },
    orderStatusChanged(from, to) {
      transitions.inc({ from, to });
    },
    fulfilment(stage) {
      fulfilments.inc({ stage });
    },
    ipn(outcome) {
      ipns.inc({ outcome });
    },
    ipnApplied(delaySeconds) {
      ipnDelay.observe(Math.max(0, delaySeconds));
    },
    sweepRun(run) {
      if (run === null) {
        sweeps.inc({ outcome: 'failed' });
        return;
      }
      sweeps.inc({ outcome: run.tikiUnavailable ? 'tiki_unavailable' : 'ok' });
      swept.inc(run.reread);
    },
    oldestUnfulfilledPaidAt(paidAt) {
      oldestPaidAt = paidAt;
    },
    rateLimited(limiter) {
      limited.inc({ limiter });
    },
    storeWaited() {
      storeWaits.inc();
    },
    storeUnavailable() {
      storeUnavailable.inc();
    },
    watchPool,
  };
}
