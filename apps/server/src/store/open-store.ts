/**
 * The one place that picks the store: PostgreSQL when DATABASE_URL is set (several instances share it), else the
 * embedded SQLite file (`pnpm dev`, the tests, one small instance).
 */
import type { StorageConfig } from '../config.ts';
import { openPostgresStore } from './postgres-store.ts';
import { openSqliteStore } from './sqlite-store.ts';
import { StorageUnavailableError, type Store, type StoreEvents } from './store.ts';

export async function openStore(
  storage: StorageConfig,
  o: { onConnectionError?: (err: Error) => void; events?: StoreEvents } = {},
): Promise<Store> {
  const events = o.events ? { events: o.events } : {};
  const store =
    storage.postgres === null
      ? openSqliteStore(storage.databaseFile, { busyTimeoutMs: storage.busyTimeoutMs, ...events })
      : await openPostgresStore(storage.postgres.url, {
          timeoutMs: storage.busyTimeoutMs,
          poolMax: storage.postgres.poolMax,
          migrate: storage.postgres.migrateOnStart,
          ...(o.onConnectionError ? { onConnectionError: o.onConnectionError } : {}),
          ...events,
        });
  return o.events ? toldOfFailuresAndWaits(store, o.events) : store;
}

/** Not told of: they never wait for the database in a way an operator needs to see. */
const UNTOLD = new Set(['close', 'poolStats']);

/**
 * Every operation, for both stores: a StorageUnavailableError is told as it passes, and so is an operation that
 * begins with no PostgreSQL connection free (it queues for one). SQLite tells its own waits (sqlite-store.ts).
 */
function toldOfFailuresAndWaits(store: Store, events: StoreEvents): Store {
  const told: Record<string, unknown> = {};
  const failed = (err: unknown) => {
    if (err instanceof StorageUnavailableError) events.storeUnavailable();
    throw err;
  };
  for (const [name, value] of Object.entries(store)) {
    if (typeof value !== 'function' || UNTOLD.has(name)) {
      told[name] = value;
      continue;
    }
    const method = value as (...args: unknown[]) => Promise<unknown>;
    told[name] = (...args: unknown[]) => {
      const pool = store.poolStats();
      if (pool !== null && (pool.waiting > 0 || (pool.idle === 0 && pool.total >= pool.max))) {
        events.storeWaited();
      }
      return method(...args).catch(failed);
    };
  }
  return told as unknown as Store;
}

/** Where the data lives, for logs: the SQLite file, or the PostgreSQL server and database without credentials. */
export function describeStorage(storage: StorageConfig): string {
  if (storage.postgres === null) return storage.databaseFile;
  const url = new URL(storage.postgres.url);
  return `${url.protocol}//${url.host}${url.pathname}`;
}
