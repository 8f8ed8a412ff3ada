/**
 * The server's configuration: the only module that reads `process.env` (through `loadConfig(env)`, which
 * `main.ts` calls with `process.env`). Every value is validated once at start; a missing or malformed value
 * stops the start with a message naming the variable (never its value: some of them are secrets).
 *
 * With no `.env` at all the defaults point at the local emulator and use development credentials and a
 * development encryption key; `NODE_ENV=production` refuses those and any Tiki URL that is not HTTPS.
 */
import { fileURLToPath } from 'node:url';
import type { TikiClientOptions } from '@tini-starter/tiki-platform/client';
import {
  DEV_CLIENT_ID,
  DEV_CLIENT_SECRET,
  developmentOrigins,
  emulatorBaseUrls,
  TIKI_PRODUCTION_BASE_URLS,
} from '@tini-starter/tiki-platform/dev';
import { ORDER_AMOUNT_LIMIT_VND } from '@tini-starter/tiki-platform/payments';
import * as z from 'zod';

/** Development-only AES-256 key: 32 fixed ASCII bytes, public (it is in this file), refused in production. */
export const DEV_ENCRYPTION_KEY_ID = 'dev';
export const DEV_ENCRYPTION_KEY_BASE64 = 'dGluaS1zdGFydGVyLWRldi1vbmx5LWtleS0wMDAwMDA=';

/** The package folder, so that the default data folder does not depend on the working directory. */
const SERVER_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DEFAULT_DATA_DIR = `${SERVER_ROOT}data`;

const MINUTE = 60_000;

/**
 * Failed login attempts (refused codes, malformed bodies) per client IP per window; successful logins do not
 * count. What it protects: Tiki's exchange quota and our CPU from a client that sends junk or replays codes in
 * a loop (guessing a code is hopeless: they are long and random). What it costs: behind mobile carrier-grade
 * NAT, every user on one public IP shares it, so 20 failures a minute on that address make the next failure
 * and login wait; a user whose login succeeds never hits it. Development is generous so that working through
 * the README's error table by hand is never blocked.
 */
const PRODUCTION_FAILED_LOGINS = 20;
const DEVELOPMENT_FAILED_LOGINS = 300;
const DAY = 24 * 60 * MINUTE;

const integer = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'expected a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

const httpUrl = z
  .string()
  .trim()
  .pipe(z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }))
  .transform((url) => url.replace(/\/+$/, ''));

// The value is a secret (it holds the password): neither this message nor any other repeats it.
const postgresUrl = z
  .string()
  .trim()
  .refine((value) => {
    try {
      return ['postgres:', 'postgresql:'].includes(new URL(value).protocol);
    } catch {
      return false;
    }
  }, 'expected a postgres://user:password@host:port/database URL');

const keyId = z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'key ids are 1-32 letters, digits, _ or -');

/** `id:base64,id2:base64`: every key decrypts, the active one (TOKEN_ENCRYPTION_KEY_ID) encrypts. */
const encryptionKeys = z
  .string()
  .trim()
  .transform((raw, ctx) => {
    const keys = new Map<string, Buffer>();
    for (const entry of raw.split(',').map((part) => part.trim())) {
      if (entry === '') continue;
      const separator = entry.indexOf(':');
      const id = entry.slice(0, separator);
      const key = Buffer.from(entry.slice(separator + 1), 'base64');
      if (separator < 1 || !keyId.safeParse(id).success) {
        ctx.addIssue({ code: 'custom', message: 'expected comma-separated "keyId:base64Key" entries' });
        return z.NEVER;
      }
      if (key.length !== 32) {
        ctx.addIssue({ code: 'custom', message: `key "${id}" must be 32 bytes (base64 of 32 random bytes)` });
        return z.NEVER;
      }
      if (keys.has(id)) {
        ctx.addIssue({ code: 'custom', message: `key id "${id}" appears twice` });
        return z.NEVER;
      }
      keys.set(id, key);
    }
    if (keys.size === 0) {
      ctx.addIssue({ code: 'custom', message: 'at least one key is required' });
      return z.NEVER;
    }
    return keys;
  });

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  HOST: z.string().trim().min(1).default('127.0.0.1'),
  PORT: integer(0, 65_535).default(3000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_PRETTY: z.enum(['true', 'false']).optional(),

  // Where the development emulator listens (shared with it): the Tiki URLs below default to it outside production.
  TIKI_EMULATOR_HOST: z.string().trim().min(1).optional(),
  TIKI_EMULATOR_PORT: integer(1, 65_535).optional(),
  // Where the mini app's browser preview listens (shared with it): outside production, its origin may call the
  // API from a browser (CORS). In production no origin may: the mini app's requests are not a browser's.
  MINIAPP_PREVIEW_HOST: z.string().trim().min(1).optional(),
  MINIAPP_PREVIEW_PORT: integer(1, 65_535).optional(),
  TIKI_CLIENT_ID: z.string().trim().min(1).optional(),
  TIKI_CLIENT_SECRET: z.string().trim().min(1).optional(),
  TIKI_REST_BASE_URL: httpUrl.optional(),
  TIKI_GRAPHQL_URL: httpUrl.optional(),
  TIKI_OPEN_API_BASE_URL: httpUrl.optional(),
  TIKI_TRANSPORT: z.enum(['rest', 'graphql']).default('rest'),
  TIKI_TIMEOUT_MS: integer(100, 60_000).default(5000),
  // Idempotent reads are retried at most twice: a third try rarely helps and holds the request past its deadline.
  TIKI_READ_RETRIES: integer(0, 2).default(2),
  TIKI_REFRESH_MARGIN_MS: integer(0, 30 * MINUTE).default(2 * MINUTE),
  // Seconds, not minutes: a profile rarely changes, and 30 s turns a user's bursts (reloads, several screens,
  // a retrying client) into one Open API call while a changed name still shows within half a minute. 0 = off.
  TIKI_PROFILE_CACHE_TTL_MS: integer(0, 10 * MINUTE).default(30_000),
  // Requests per user per window to routes that call Tiki: one user cannot spend the app's Tiki quota.
  TIKI_ROUTE_LIMIT_MAX: integer(1).default(60),
  TIKI_ROUTE_LIMIT_WINDOW_MS: integer(1000).default(MINUTE),

  SESSION_IDLE_TIMEOUT_MS: integer(MINUTE).default(7 * DAY),
  SESSION_MAX_AGE_MS: integer(MINUTE).default(30 * DAY),

  TRUST_PROXY_HOPS: integer(0, 10).default(0),
  // Default per NODE_ENV (see loadConfig): failed logins only, so it is a budget for mistakes and attacks.
  LOGIN_RATE_LIMIT_MAX: integer(1).optional(),
  LOGIN_RATE_LIMIT_WINDOW_MS: integer(1000).default(MINUTE),
  // At least room for the largest body the contract accepts (a 512-character auth code, JSON-escaped).
  AUTH_BODY_LIMIT_BYTES: integer(4096, 1_000_000).default(4096),

  DATA_DIR: z.string().trim().min(1).optional(),
  DATABASE_FILE: z.string().trim().min(1).optional(),
  // Set: the PostgreSQL store that several instances share; unset: SQLite (DATABASE_FILE).
  DATABASE_URL: postgresUrl.optional(),
  DATABASE_POOL_MAX: integer(1, 1000).default(10),
  DATABASE_MIGRATE_ON_START: z.enum(['true', 'false']).default('true'),
  DATABASE_BUSY_TIMEOUT_MS: integer(100, 60_000).default(5000),
  TOKEN_ENCRYPTION_KEYS: encryptionKeys.optional(),
  TOKEN_ENCRYPTION_KEY_ID: keyId.optional(),

  SHUTDOWN_TIMEOUT_MS: integer(100, 120_000).default(10_000),
  // Prometheus metrics on a listener of their own, never the public port; 0 turns them off.
  METRICS_HOST: z.string().trim().min(1).default('127.0.0.1'),
  METRICS_PORT: integer(0, 65_535).default(9464),

  // The order sweep (payments/sweep.ts): how often each instance re-reads open orders from Tiki (0 = never: for
  // tests that run it by hand; refused in production, where lost IPNs would leave orders unfinished).
  ORDER_SWEEP_INTERVAL_MS: integer(0, DAY).default(MINUTE),
  // The largest order Tiki takes from this app: its default, unless Tini Console raised it for the app.
  ORDER_AMOUNT_LIMIT_VND: integer(1).default(ORDER_AMOUNT_LIMIT_VND),
  // A draft nobody paid is canceled at Tiki after this long (a day).
  ORDER_DRAFT_TTL_MS: integer(MINUTE).default(DAY),
  // Fulfilment attempts (with backoff) before a paid order is canceled at Tiki, which refunds it.
  FULFILMENT_MAX_ATTEMPTS: integer(1, 100).default(5),
  // How long a claim on an order lasts (a fulfilment renews it every third while it runs; a cancel waits it
  // out when Tiki did not answer).
  FULFILMENT_CLAIM_MS: integer(300, 10 * MINUTE).default(MINUTE),
});

/** Every variable the server reads (documented in apps/server/.env.example). */
export const CONFIG_VARIABLES = Object.keys(EnvSchema.shape) as (keyof typeof EnvSchema.shape)[];

export interface Config {
  env: 'development' | 'test' | 'production';
  host: string;
  port: number;
  log: { level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'; pretty: boolean };
  /** The Tiki client's settings (documented on TikiClientOptions), and when to refresh ahead of expiry. */
  tiki: Required<Omit<TikiClientOptions, 'fetch' | 'clock' | 'retryBaseDelayMs' | 'onAttempt'>> & {
    /** Refresh the access token when it expires within this margin. */
    refreshMarginMs: number;
    /** How long a user's Open API profile is reused (0: never). */
    profileCacheTtlMs: number;
    /** Requests per user per window to routes that call Tiki. */
    routeLimit: { max: number; windowMs: number };
  };
  session: { idleTimeoutMs: number; maxAgeMs: number };
  http: {
    /** Browser origins allowed to call the API (CORS): the preview's outside production, none in production. */
    corsOrigins: string[];
    trustProxyHops: number;
    loginRateLimit: { max: number; windowMs: number };
    authBodyLimitBytes: number;
    shutdownTimeoutMs: number;
  };
  storage: StorageConfig;
  /** Where Prometheus scrapes `GET /metrics`; port 0: no metrics listener. */
  metrics: { host: string; port: number };
  encryption: { keys: ReadonlyMap<string, Buffer>; activeKeyId: string };
  orders: {
    /** How often the sweep runs (jittered); 0: never. */
    sweepIntervalMs: number;
    /** The largest order Tiki takes from this app (Tini Console can raise Tiki's default). */
    amountLimitVnd: number;
    draftTtlMs: number;
    maxFulfilAttempts: number;
    claimMs: number;
  };
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

export interface StorageConfig {
  /** SQLite (no DATABASE_URL): the folder and file. */
  dataDir: string;
  databaseFile: string;
  /** PostgreSQL when DATABASE_URL is set, else null. */
  postgres: { url: string; poolMax: number; migrateOnStart: boolean } | null;
  /**
   * How long one wait may last (another process's lock, a free connection, a statement; never blocking the
   * event loop) before 503 storage_unavailable.
   */
  busyTimeoutMs: number;
}

function parseEnv<S extends z.ZodType>(schema: S, env: Record<string, string | undefined>): z.output<S> {
  // An empty variable (`PORT=` in a .env file) means "not set", so that defaults still apply.
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join('.') || '(environment)'}: ${issue.message}`),
    );
  }
  return parsed.data;
}

const StorageEnvSchema = EnvSchema.pick({
  DATA_DIR: true,
  DATABASE_FILE: true,
  DATABASE_URL: true,
  DATABASE_POOL_MAX: true,
  DATABASE_MIGRATE_ON_START: true,
  DATABASE_BUSY_TIMEOUT_MS: true,
});

function storageConfig(e: z.output<typeof StorageEnvSchema>): StorageConfig {
  const dataDir = e.DATA_DIR ?? DEFAULT_DATA_DIR;
  return {
    dataDir,
    databaseFile: e.DATABASE_FILE ?? `${dataDir}/server.sqlite`,
    postgres: e.DATABASE_URL
      ? {
          url: e.DATABASE_URL,
          poolMax: e.DATABASE_POOL_MAX,
          migrateOnStart: e.DATABASE_MIGRATE_ON_START === 'true',
        }
      : null,
    busyTimeoutMs: e.DATABASE_BUSY_TIMEOUT_MS,
  };
}

/** Only the database variables (the migrate command needs no Tiki keys); throws ConfigError. */
export function loadStorageConfig(env: Record<string, string | undefined>): StorageConfig {
  return storageConfig(parseEnv(StorageEnvSchema, env));
}

/** Reads and validates the configuration from an environment (e.g. `process.env`); throws ConfigError. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const e = parseEnv(EnvSchema, env);
  const production = e.NODE_ENV === 'production';
  const problems: string[] = [];

  const defaults = production
    ? TIKI_PRODUCTION_BASE_URLS
    : emulatorBaseUrls(
        developmentOrigins({
          TIKI_EMULATOR_HOST: e.TIKI_EMULATOR_HOST,
          TIKI_EMULATOR_PORT: e.TIKI_EMULATOR_PORT?.toString(),
        }).emulatorOrigin,
      );
  const tiki = {
    clientId: e.TIKI_CLIENT_ID ?? DEV_CLIENT_ID,
    clientSecret: e.TIKI_CLIENT_SECRET ?? DEV_CLIENT_SECRET,
    restBaseUrl: e.TIKI_REST_BASE_URL ?? defaults.restBaseUrl,
    graphqlUrl: e.TIKI_GRAPHQL_URL ?? defaults.graphqlUrl,
    openApiBaseUrl: e.TIKI_OPEN_API_BASE_URL ?? defaults.openApiBaseUrl,
    transport: e.TIKI_TRANSPORT,
    timeoutMs: e.TIKI_TIMEOUT_MS,
    readRetries: e.TIKI_READ_RETRIES,
    refreshMarginMs: e.TIKI_REFRESH_MARGIN_MS,
    profileCacheTtlMs: e.TIKI_PROFILE_CACHE_TTL_MS,
    routeLimit: { max: e.TIKI_ROUTE_LIMIT_MAX, windowMs: e.TIKI_ROUTE_LIMIT_WINDOW_MS },
  };

  const keys = e.TOKEN_ENCRYPTION_KEYS ?? new Map([[DEV_ENCRYPTION_KEY_ID, devEncryptionKey()]]);
  const activeKeyId =
    e.TOKEN_ENCRYPTION_KEY_ID ?? (e.TOKEN_ENCRYPTION_KEYS ? undefined : DEV_ENCRYPTION_KEY_ID);
  if (activeKeyId === undefined) {
    problems.push(
      'TOKEN_ENCRYPTION_KEY_ID: required with TOKEN_ENCRYPTION_KEYS (the id of the key that encrypts)',
    );
  } else if (!keys.has(activeKeyId)) {
    problems.push(`TOKEN_ENCRYPTION_KEY_ID: "${activeKeyId}" is not one of the ids in TOKEN_ENCRYPTION_KEYS`);
  }

  if (e.SESSION_IDLE_TIMEOUT_MS > e.SESSION_MAX_AGE_MS) {
    problems.push('SESSION_IDLE_TIMEOUT_MS: must not exceed SESSION_MAX_AGE_MS');
  }

  if (production) {
    if (tiki.clientId === DEV_CLIENT_ID)
      problems.push('TIKI_CLIENT_ID: set your Tini Console client key in production');
    if (tiki.clientSecret === DEV_CLIENT_SECRET) {
      problems.push('TIKI_CLIENT_SECRET: the development secret is refused in production');
    }
    const devKey = devEncryptionKey();
    if ([...keys.values()].some((key) => key.equals(devKey)) || keys.has(DEV_ENCRYPTION_KEY_ID)) {
      problems.push('TOKEN_ENCRYPTION_KEYS: the development encryption key is refused in production');
    }
    if (e.ORDER_SWEEP_INTERVAL_MS === 0) {
      problems.push(
        'ORDER_SWEEP_INTERVAL_MS: 0 turns the sweep off, which production needs to end every order',
      );
    }
    for (const [name, url] of [
      ['TIKI_REST_BASE_URL', tiki.restBaseUrl],
      ['TIKI_GRAPHQL_URL', tiki.graphqlUrl],
      ['TIKI_OPEN_API_BASE_URL', tiki.openApiBaseUrl],
    ] as const) {
      if (!url.startsWith('https://')) problems.push(`${name}: must be an https URL in production`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);

  return {
    env: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    log: {
      level: e.LOG_LEVEL,
      pretty: e.LOG_PRETTY === undefined ? e.NODE_ENV === 'development' : e.LOG_PRETTY === 'true',
    },
    tiki,
    session: { idleTimeoutMs: e.SESSION_IDLE_TIMEOUT_MS, maxAgeMs: e.SESSION_MAX_AGE_MS },
    http: {
      corsOrigins: production
        ? []
        : [
            developmentOrigins({
              MINIAPP_PREVIEW_HOST: e.MINIAPP_PREVIEW_HOST,
              MINIAPP_PREVIEW_PORT: e.MINIAPP_PREVIEW_PORT?.toString(),
            }).previewOrigin,
          ],
      trustProxyHops: e.TRUST_PROXY_HOPS,
      loginRateLimit: {
        max: e.LOGIN_RATE_LIMIT_MAX ?? (production ? PRODUCTION_FAILED_LOGINS : DEVELOPMENT_FAILED_LOGINS),
        windowMs: e.LOGIN_RATE_LIMIT_WINDOW_MS,
      },
      authBodyLimitBytes: e.AUTH_BODY_LIMIT_BYTES,
      shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    },
    storage: storageConfig(e),
    metrics: { host: e.METRICS_HOST, port: e.METRICS_PORT },
    encryption: { keys, activeKeyId: activeKeyId as string },
    orders: {
      sweepIntervalMs: e.ORDER_SWEEP_INTERVAL_MS,
      amountLimitVnd: e.ORDER_AMOUNT_LIMIT_VND,
      draftTtlMs: e.ORDER_DRAFT_TTL_MS,
      maxFulfilAttempts: e.FULFILMENT_MAX_ATTEMPTS,
      claimMs: e.FULFILMENT_CLAIM_MS,
    },
  };
}

function devEncryptionKey(): Buffer {
  return Buffer.from(DEV_ENCRYPTION_KEY_BASE64, 'base64');
}
