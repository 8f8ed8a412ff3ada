/**
 * The composition root: a validated Config (plus what a test overrides) becomes a logger, the store, the Tiki
 * client, the app and a listener. main.ts (the process) and testing/start-server.ts (this package's tests,
 * the mini app's end-to-end tests, the bench) both build the server here, so they cannot wire it differently.
 */
import type { Clock } from '@tini-starter/tiki-platform/clock';
import { systemClock } from '@tini-starter/tiki-platform/clock';
import type { DestinationStream, Logger } from 'pino';
import { createApp, createPayments, type Payments } from './app.ts';
import type { Config } from './config.ts';
import { listen } from './http/listen.ts';
import { createLogger } from './logger.ts';
import { listenMetrics, type MetricsListener } from './metrics/listener.ts';
import { createMetrics, NO_METRICS } from './metrics/metrics.ts';
import type { Fulfil } from './payments/fulfilment.ts';
import type { SweepRun } from './payments/sweep.ts';
import { openStore } from './store/open-store.ts';
import type { Store } from './store/store.ts';
import { createTikiClientFromConfig } from './tiki/client.ts';

export interface ServerOverrides {
  /** Default: system time. Tests share a manual clock with the emulator. */
  clock?: Clock;
  /** Where log lines go (JSON). Default: stdout, pretty when the config says so. */
  logDestination?: DestinationStream;
  /** The fetch the Tiki client uses (tests observe traffic with it). Default: the client's own transport. */
  fetch?: typeof fetch;
  /** What a paid order sets in motion (a fork's own hook). Default: the sample's digital goods. */
  fulfil?: Fulfil;
  /** Whether the shop sells cash on delivery (see AppDeps). Default no. */
  sellsCashOnDelivery?: boolean;
}

export interface RunningServer {
  /** e.g. 'http://127.0.0.1:3000' */
  url: string;
  /** Where Prometheus scrapes `GET /metrics` (e.g. 'http://127.0.0.1:9464'); null with METRICS_PORT=0. */
  metricsUrl: string | null;
  config: Config;
  store: Store;
  logger: Logger;
  /** One run of the order sweep now (it also runs on its own every ORDER_SWEEP_INTERVAL_MS). */
  sweep(): Promise<SweepRun>;
  /** Orders from the cart to their end (app.ts createPayments): where a fork marks a COD order delivered. */
  payments: Payments;
  /**
   * Graceful stop: stops accepting at once (before the first await), lets in-flight requests finish within
   * SHUTDOWN_TIMEOUT_MS, then closes the store. `drained` is false when the deadline cut requests short.
   */
  close(): Promise<{ drained: boolean }>;
}

export async function runServer(config: Config, o: ServerOverrides = {}): Promise<RunningServer> {
  const clock = o.clock ?? systemClock;
  const logger = createLogger({
    level: config.log.level,
    pretty: config.log.pretty,
    ...(o.logDestination ? { destination: o.logDestination } : {}),
  });
  // METRICS_PORT=0: nothing is counted, rather than counted for nobody.
  const metrics = config.metrics.port > 0 ? createMetrics({ now: () => clock.now() }) : NO_METRICS;
  const measured = metrics === NO_METRICS ? {} : { events: metrics };
  const store = await openStore(config.storage, {
    onConnectionError: (err) =>
      logger.warn({ err }, 'a database connection failed; the pool opens a new one'),
    ...measured,
  });
  metrics.watchPool(() => store.poolStats());
  const tiki = createTikiClientFromConfig(config, {
    clock,
    ...(o.fetch ? { fetch: o.fetch } : {}),
    ...(metrics === NO_METRICS ? {} : { onAttempt: (attempt) => metrics.tikiAttempt(attempt) }),
  });
  const deps = {
    config,
    metrics,
    store,
    tiki,
    logger,
    clock,
    ...(o.fulfil ? { fulfil: o.fulfil } : {}),
    ...(o.sellsCashOnDelivery === undefined ? {} : { sellsCashOnDelivery: o.sellsCashOnDelivery }),
  };
  const payments = createPayments(deps);
  const app = createApp(deps, payments);
  let listening: Awaited<ReturnType<typeof listen>>;
  let metricsListener: MetricsListener | null = null;
  try {
    listening = await listen(app, { host: config.host, port: config.port });
  } catch (err) {
    await store.close();
    throw err;
  }
  if (metrics.registry !== null) {
    try {
      metricsListener = await listenMetrics(metrics.registry, config.metrics);
    } catch (err) {
      await listening.stop(0);
      await store.close();
      throw new Error(
        `the metrics port ${config.metrics.host}:${config.metrics.port} is not free (METRICS_PORT moves it, 0 turns metrics off): ${String(err)}`,
      );
    }
  }
  if (config.orders.sweepIntervalMs > 0) payments.sweep.start();
  return {
    url: listening.url,
    metricsUrl: metricsListener?.url ?? null,
    config,
    store,
    logger,
    sweep: () => payments.sweep.runOnce(),
    payments,
    async close() {
      // The sweep first: a run in progress finishes its order before the store closes under it.
      const [stopped] = await Promise.all([
        listening.stop(config.http.shutdownTimeoutMs),
        payments.sweep.stop(),
      ]);
      await metricsListener?.close();
      await store.close();
      return stopped;
    },
  };
}
