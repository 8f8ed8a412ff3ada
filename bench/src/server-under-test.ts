/**
 * The server as a process, as production runs it: the esbuild bundle of `apps/server/src/main.ts` (what
 * `pnpm build` makes and `pnpm start` runs, with the same `--enable-source-maps`) in its own Node process,
 * configured only through its environment, ready when `GET /readyz` answers 200. The bench and the load run
 * start it this way, so what they measure is the real process. The emulator and the bare
 * Express baseline run their sources through tsx: they are the yardsticks, not the product.
 */

import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { migrateSqliteFile } from '@tini-starter/server/store/sqlite';
import { DEV_CLIENT_ID, DEV_CLIENT_SECRET } from '@tini-starter/tiki-platform/dev';
import { freePort } from '@tini-starter/tiki-platform/testing/ports';
import { type Child, startChild } from './child.ts';

/** apps/server, found through the package's exports (src/app.ts is one). */
const SERVER_ROOT = dirname(dirname(createRequire(import.meta.url).resolve('@tini-starter/server/app')));

let built: Promise<URL> | undefined;

/**
 * The server's production bundle, built once per bench process. It goes inside the server package
 * (`apps/server/.bench-build/`, gitignored), so that the bundle's imports resolve to the package's
 * node_modules as they do from dist/; it is removed when the process exits. dist/ itself is never touched.
 */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function builtServer(): Promise<URL> {
  built ??= (async () => {
    const parent = join(SERVER_ROOT, '.bench-build');
    mkdirSync(parent, { recursive: true });
    // A process killed before its exit handler ran (a test worker, Ctrl-C twice) leaves its build: sweep those.
    for (const name of readdirSync(parent)) {
      const pid = Number(/^build-(\d+)-/.exec(name)?.[1]);
      if (pid && !isAlive(pid)) rmSync(join(parent, name), { recursive: true, force: true });
    }
    const outdir = await mkdtemp(join(parent, `build-${process.pid}-`));
    process.once('exit', () => rmSync(outdir, { recursive: true, force: true }));
    await promisify(execFile)(process.execPath, [join(SERVER_ROOT, 'build.mjs'), '--outdir', outdir]);
    return pathToFileURL(join(outdir, 'main.js'));
  })();
  return built;
}

const EMULATOR_ENTRY = new URL('./processes/emulator.ts', import.meta.url);
const BARE_EXPRESS_ENTRY = new URL('./processes/bare-express.ts', import.meta.url);
const FLOOR_ENTRY = new URL('./processes/floor-me.ts', import.meta.url);
const FLOOR_TIKI_ENTRY = new URL('./processes/floor-tiki.ts', import.meta.url);

export interface ServerUnderTestOptions {
  emulatorOrigin: string;
  /** The SQLite file; with `databaseUrl`, unused. */
  databaseFile: string;
  /** PostgreSQL instead of SQLite (the rows and load run "on PostgreSQL"). */
  databaseUrl?: string;
  /** Where the server's log lines go (JSON, one per line). */
  logFile: string;
  /** Overrides of the server's environment (see apps/server/src/config.ts). */
  env?: Record<string, string>;
  nodeFlags?: string[];
}

/**
 * The environment the bench gives the server: development defaults pointed at the bench's emulator, JSON
 * logs at info (a line per request, as in production), the login and per-user Tiki limits lifted, because the
 * bench logs in thousands of users from one IP and hammers each on purpose, and the profile cache off, because
 * the `/api/profile` row measures the call to Tiki that every request makes without it.
 */
export function serverEnv(o: ServerUnderTestOptions, port: number): Record<string, string> {
  return {
    NODE_ENV: 'development',
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'info',
    LOG_PRETTY: 'false',
    // Several servers run at once: none takes the metrics port.
    METRICS_PORT: '0',
    TIKI_REST_BASE_URL: `${o.emulatorOrigin}/tiniapp-open-api`,
    TIKI_GRAPHQL_URL: `${o.emulatorOrigin}/tiniapp/api/graphql/query`,
    TIKI_OPEN_API_BASE_URL: o.emulatorOrigin,
    DATABASE_FILE: o.databaseFile,
    // Empty is "unset" to the server, and a developer's .env (which it reads) cannot set it for a SQLite row.
    DATABASE_URL: o.databaseUrl ?? '',
    // The bench's emulator registers the development app; said explicitly, so that a developer's .env (which
    // the server process reads) cannot point the server at another one.
    TIKI_CLIENT_ID: DEV_CLIENT_ID,
    TIKI_CLIENT_SECRET: DEV_CLIENT_SECRET,
    LOGIN_RATE_LIMIT_MAX: '1000000000',
    TIKI_ROUTE_LIMIT_MAX: '1000000000',
    TIKI_PROFILE_CACHE_TTL_MS: '0',
    ...o.env,
  };
}

export async function startServerUnderTest(o: ServerUnderTestOptions): Promise<Child> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  return startChild(await builtServer(), {
    ready: { kind: 'http', origin, path: '/readyz' },
    env: serverEnv(o, port),
    logFile: o.logFile,
    nodeFlags: ['--enable-source-maps', ...(o.nodeFlags ?? [])],
  });
}

export interface EmulatorChildOptions {
  lifetimes?: { authCodeMs?: number; accessTokenMs?: number; refreshTokenMs?: number };
  customers?: number;
  trackRefreshes?: boolean;
  logFile?: string;
}

export async function startEmulatorChild(o: EmulatorChildOptions = {}): Promise<Child> {
  return startChild(EMULATOR_ENTRY, {
    ready: { kind: 'ipc' },
    env: {
      BENCH_EMULATOR_LIFETIMES: JSON.stringify(o.lifetimes ?? {}),
      BENCH_EMULATOR_CUSTOMERS: String(o.customers ?? 0),
      BENCH_EMULATOR_TRACK_REFRESHES: o.trackRefreshes ? '1' : '0',
    },
    ...(o.logFile ? { logFile: o.logFile } : {}),
  });
}

export async function startBareExpress(body: unknown, logFile: string): Promise<Child> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  return startChild(BARE_EXPRESS_ENTRY, {
    ready: { kind: 'http', origin, path: '/readyz' },
    env: { PORT: String(port), BENCH_BARE_BODY: JSON.stringify(body) },
    logFile,
  });
}

/** The floor of `GET /api/me` (processes/floor-me.ts) on the server's database file. */
export async function startFloor(databaseFile: string, logFile: string): Promise<Child> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  return startChild(FLOOR_ENTRY, {
    ready: { kind: 'http', origin, path: '/readyz' },
    env: { PORT: String(port), DATABASE_FILE: databaseFile },
    logFile,
  });
}

/**
 * The floors of login and `/api/profile` (processes/floor-tiki.ts) on the server's emulator, with a SQLite file
 * of its own that the server's migrations create (its sealed tokens must not replace those the server reads).
 */
export async function startFloorTiki(o: {
  databaseFile: string;
  emulatorOrigin: string;
  logFile: string;
}): Promise<Child> {
  migrateSqliteFile(o.databaseFile);
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  return startChild(FLOOR_TIKI_ENTRY, {
    ready: { kind: 'http', origin, path: '/readyz' },
    env: {
      PORT: String(port),
      DATABASE_FILE: o.databaseFile,
      TIKI_REST_BASE_URL: `${o.emulatorOrigin}/tiniapp-open-api`,
      TIKI_OPEN_API_BASE_URL: o.emulatorOrigin,
      TIKI_CLIENT_ID: DEV_CLIENT_ID,
      TIKI_CLIENT_SECRET: DEV_CLIENT_SECRET,
    },
    logFile: o.logFile,
  });
}
