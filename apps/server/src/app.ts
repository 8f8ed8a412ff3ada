/**
 * The HTTP application, built from its dependencies; it never listens by itself (server.ts does).
 *
 * Exports, for the mini app's e2e tests, the bench and forks (package.json `exports`):
 * - `@tini-starter/server/app`: `createApp(deps: AppDeps, payments?): Express` (deps: config, store, tiki, logger,
 *   clock, fulfil?) and `createPayments(deps)`: the order lifecycle, the buyer's order service, the IPN receiver
 *   and the sweep, which server.ts starts beside the listener.
 * - `@tini-starter/server/server`: `runServer(config, overrides?)`: the composition root main.ts uses.
 * - `@tini-starter/server/config`: `loadConfig(env)`, `Config`, `ConfigError`, `CONFIG_VARIABLES`.
 * - `@tini-starter/server/store`: the `Store` interface; `@tini-starter/server/store/sqlite`: `openSqliteStore`.
 * - `@tini-starter/server/logger`: `createLogger({ level, pretty?, destination? })`.
 * - `@tini-starter/server/http/listen`: `listen(app, { host, port })` -> `{ server, url, stop(timeoutMs) }`.
 * - `@tini-starter/server/testing`: `startServer({ baseUrls, clock?, dbFile?, env?, logDestination?, fetch? })`
 *   -> `{ url, config, store, dbFile, close() }`: a real server on an ephemeral port against an emulator.
 * `src/main.ts` is the process (config from the environment, SIGTERM/SIGINT handling).
 */
import type { TikiClient } from '@tini-starter/tiki-platform/client';
import type { Clock } from '@tini-starter/tiki-platform/clock';
import cors from 'cors';
import express, { type Express } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import { createLogin } from './auth/login.ts';
import { createSessions } from './auth/sessions.ts';
import type { Config } from './config.ts';
import { errorHandler, notFound } from './http/error-handler.ts';
import { measureAnswers } from './http/measure-requests.ts';
import { noStore } from './http/no-store.ts';
import { installRequestLogging } from './http/request-logging.ts';
import { type Metrics, NO_METRICS } from './metrics/metrics.ts';
import { type Fulfil, fulfilDigitalGoods } from './payments/fulfilment.ts';
import { createIpnReceiver, type IpnReceiver } from './payments/ipn.ts';
import { createOrderLifecycle, type OrderLifecycle } from './payments/lifecycle.ts';
import { createOrderService, type OrderService } from './payments/order-service.ts';
import { createOrderSweep, type OrderSweep } from './payments/sweep.ts';
import { accountRoutes } from './routes/account.ts';
import { authRoutes } from './routes/auth.ts';
import { healthRoutes } from './routes/health.ts';
import { ipnRoute } from './routes/ipn.ts';
import { paymentRoutes } from './routes/payments.ts';
import type { Store } from './store/store.ts';
import { createProfileCache } from './tiki/profile-cache.ts';
import { createTokenCipher } from './tiki/token-cipher.ts';
import { createTikiTokenKeeper } from './tiki/token-keeper.ts';

export interface AppDeps {
  config: Config;
  store: Store;
  tiki: TikiClient;
  logger: Logger;
  clock: Clock;
  /** What a paid order sets in motion (default: the sample's digital goods, delivered at once). */
  fulfil?: Fulfil;
  /**
   * Whether the shop sells cash on delivery (default no: the sample's goods are digital, and a COD order is
   * canceled). Yes: mark each COD order delivered with `payments.lifecycle.markDelivered`, which completes it.
   */
  sellsCashOnDelivery?: boolean;
  /**
   * Where the server counts what an operator watches (server.ts serves it on its own port). Default: nothing
   * is counted. The Tiki client's attempts and the store's events are counted where those are made (server.ts).
   */
  metrics?: Metrics;
}

/** A user's order is re-read from Tiki at most this often while the mini app polls it. */
const ORDER_STATUS_CHECK_INTERVAL_MS = 2_000;
/** After this, any IPN or read completes at Tiki an order whose fulfiller did not (it died, or Tiki failed). */
const COMPLETE_RETRY_AFTER_MS = 30_000;
/** The wait after a first failed fulfilment; it doubles with each attempt after (30 s, 1, 2, 4 min...). */
const FULFIL_RETRY_BASE_MS = 30_000;
/** An Idempotency-Key names one order for a day. */
const IDEMPOTENCY_WINDOW_MS = 86_400_000;
/** Beyond the deadlines a create can spend, before its key is given to a new attempt. */
const CREATING_MARGIN_MS = 1_000;

export interface Payments {
  lifecycle: OrderLifecycle;
  orders: OrderService;
  ipn: IpnReceiver;
  sweep: OrderSweep;
}

/** Orders from the cart to their end, built once per process: the routes use them, server.ts runs the sweep. */
export function createPayments(deps: AppDeps): Payments {
  const { config, store, tiki, clock, logger } = deps;
  const metrics = deps.metrics ?? NO_METRICS;
  const lifecycle = createOrderLifecycle({
    store,
    tiki,
    clock,
    metrics,
    fulfil: deps.fulfil ?? fulfilDigitalGoods,
    claimMs: config.orders.claimMs,
    maxFulfilAttempts: config.orders.maxFulfilAttempts,
    retryBaseMs: FULFIL_RETRY_BASE_MS,
    completeRetryAfterMs: COMPLETE_RETRY_AFTER_MS,
    sellsCashOnDelivery: deps.sellsCashOnDelivery ?? false,
  });
  const orders = createOrderService({
    store,
    tiki,
    clock,
    lifecycle,
    metrics,
    statusCheckIntervalMs: ORDER_STATUS_CHECK_INTERVAL_MS,
    amountLimitVnd: config.orders.amountLimitVnd,
    idempotencyWindowMs: IDEMPOTENCY_WINDOW_MS,
    // A create's writes (the insert, abandoning or attaching: each may wait this long) and its one Tiki call.
    creatingStaleMs: config.tiki.timeoutMs + 3 * config.storage.busyTimeoutMs + CREATING_MARGIN_MS,
    storageWaitMs: config.storage.busyTimeoutMs,
  });
  const ipn = createIpnReceiver({ store, tiki, lifecycle, clock, logger, metrics });
  const sweep = createOrderSweep({
    store,
    tiki,
    lifecycle,
    clock,
    logger,
    metrics,
    intervalMs: config.orders.sweepIntervalMs,
    draftTtlMs: config.orders.draftTtlMs,
  });
  return { lifecycle, orders, ipn, sweep };
}

export function createApp(deps: AppDeps, payments: Payments = createPayments(deps)): Express {
  const { config, store, tiki, logger, clock } = deps;
  const cipher = createTokenCipher(config.encryption);
  const sessions = createSessions({
    store,
    clock,
    idleTimeoutMs: config.session.idleTimeoutMs,
    maxAgeMs: config.session.maxAgeMs,
  });
  const keeper = createTikiTokenKeeper({
    store,
    cipher,
    tiki,
    clock,
    logger,
    refreshMarginMs: config.tiki.refreshMarginMs,
    // A refresh is one call (never retried) with one deadline: the lease outlives it with room to spare.
    leaseMs: config.tiki.timeoutMs + 5000,
  });
  const login = createLogin({
    logger,
    store,
    tiki,
    keeper,
    sessions,
    clock,
    // An exchange is one call plus /oauth/me with its retries.
    pendingWaitMs: (2 + config.tiki.readRetries) * config.tiki.timeoutMs + 5000,
    sessionIdleTimeoutMs: config.session.idleTimeoutMs,
  });

  const app = express();
  // A hop count, never `true`: only that many proxies in front of us may set X-Forwarded-For.
  app.set('trust proxy', config.http.trustProxyHops);
  app.set('etag', false);
  const metrics = deps.metrics ?? NO_METRICS;
  // Without metrics, the request log alone times each answer.
  installRequestLogging(app, logger, metrics === NO_METRICS ? undefined : measureAnswers(metrics));
  app.use(helmet());
  // Outside production only: the mini app's browser preview calls the API from its own origin. Tini's hosts do
  // not send CORS requests, so production allows no origin and answers a preflight as any unknown route.
  if (config.http.corsOrigins.length > 0) {
    app.use('/api', cors({ origin: config.http.corsOrigins, maxAge: 600 }));
  }
  app.use('/api', noStore);
  // Counted in the store: every process sharing the database counts the same requests.
  const limits = { store, clock, refused: (limiter: string) => metrics.rateLimited(limiter) };
  const profiles = createProfileCache({ ttlMs: config.tiki.profileCacheTtlMs, clock });
  const routers = [
    authRoutes({
      login,
      sessions,
      limits,
      bodyLimitBytes: config.http.authBodyLimitBytes,
      rateLimit: config.http.loginRateLimit,
    }),
    accountRoutes({ sessions, keeper, tiki, profiles, limits, tikiRouteLimit: config.tiki.routeLimit }),
    paymentRoutes({
      sessions,
      orders: payments.orders,
      limits,
      tikiRouteLimit: config.tiki.routeLimit,
      bodyLimitBytes: config.http.authBodyLimitBytes,
    }),
    ipnRoute({
      receiver: payments.ipn,
      clock,
      clientId: config.tiki.clientId,
      clientSecret: config.tiki.clientSecret,
      logger,
    }),
    // After the API: it is mounted at the root, so every API request would otherwise walk its routes first.
    healthRoutes(store),
  ];
  for (const { mountPath, router } of routers) app.use(mountPath, router);
  app.use(notFound);
  app.use(errorHandler);
  return app;
}
