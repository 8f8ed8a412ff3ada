/**
 * A real server in-process, on an ephemeral port, against an emulator (or any Tiki-shaped base URLs): for
 * this package's tests, the mini app's end-to-end tests and the bench.
 *
 *   const emulator = createEmulator({ clock });
 *   await emulator.listen();
 *   const server = await startServer({ baseUrls: emulator.baseUrls(), clock });
 *   // ... fetch(`${server.url}/api/auth/login`, ...)
 *   await server.close();
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TikiBaseUrls } from '@tini-starter/tiki-platform/client';
import type { Clock } from '@tini-starter/tiki-platform/clock';
import type { DestinationStream } from 'pino';
import { type Config, loadConfig } from '../config.ts';
import type { Fulfil } from '../payments/fulfilment.ts';
import { type RunningServer, runServer } from '../server.ts';
import type { Store } from '../store/store.ts';

export interface StartServerOptions {
  /** Tiki's (the emulator's) base URLs. */
  baseUrls: TikiBaseUrls;
  /** Shared with the emulator when a test moves time. Default: system time. */
  clock?: Clock;
  /** The SQLite file; default a fresh file in a temp folder, deleted by close(). Reuse one to test restarts. */
  dbFile?: string;
  /** Extra environment, validated like the real one, e.g. { TIKI_TRANSPORT: 'graphql' }. */
  env?: Record<string, string>;
  /** Where log lines go (default: nowhere, unless LOG_LEVEL is set in env). */
  logDestination?: DestinationStream;
  /** The fetch the Tiki client uses (to observe traffic). */
  fetch?: typeof fetch;
  /** The fulfilment hook (to count its calls). */
  fulfil?: Fulfil;
  /** A shop that sells cash on delivery (see AppDeps). */
  sellsCashOnDelivery?: boolean;
}

export interface StartedServer {
  url: string;
  /** Where `GET /metrics` answers, when the test set METRICS_PORT; else null. */
  metricsUrl: string | null;
  config: Config;
  store: Store;
  dbFile: string;
  /** One run of the order sweep now (tests move a manual clock, then call it). */
  sweep: RunningServer['sweep'];
  payments: RunningServer['payments'];
  /** Graceful stop, then closes the store (and deletes the temp folder it created). */
  close(): Promise<void>;
}

/** The test environment on top of the composition root (server.ts): nothing is wired here. */
export async function startServer(o: StartServerOptions): Promise<StartedServer> {
  const tempDir = o.dbFile === undefined ? mkdtempSync(join(tmpdir(), 'tini-server-')) : undefined;
  const dbFile = o.dbFile ?? join(tempDir as string, 'server.sqlite');
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: o.logDestination ? 'debug' : 'silent',
    PORT: '0',
    TIKI_REST_BASE_URL: o.baseUrls.restBaseUrl,
    TIKI_GRAPHQL_URL: o.baseUrls.graphqlUrl,
    TIKI_OPEN_API_BASE_URL: o.baseUrls.openApiBaseUrl,
    DATABASE_FILE: dbFile,
    // Off unless a test turns it on: most tests count the Tiki calls each request makes.
    TIKI_PROFILE_CACHE_TTL_MS: '0',
    // Likewise the sweep's timer: a test runs the sweep itself (sweep()) when it means to.
    ORDER_SWEEP_INTERVAL_MS: '0',
    // No metrics listener unless a test asks for one (METRICS_PORT): suites run side by side.
    METRICS_PORT: '0',
    ...o.env,
  });
  const server = await runServer(config, {
    logDestination: o.logDestination ?? { write() {} },
    ...(o.clock ? { clock: o.clock } : {}),
    ...(o.fetch ? { fetch: o.fetch } : {}),
    ...(o.fulfil ? { fulfil: o.fulfil } : {}),
    ...(o.sellsCashOnDelivery === undefined ? {} : { sellsCashOnDelivery: o.sellsCashOnDelivery }),
  });
  return {
    url: server.url,
    metricsUrl: server.metricsUrl,
    config,
    store: server.store,
    dbFile,
    sweep: server.sweep,
    payments: server.payments,
    async close() {
      await server.close();
      if (tempDir) rmSync(tempDir, { recursive: true, force: true });
    },
  };
}
