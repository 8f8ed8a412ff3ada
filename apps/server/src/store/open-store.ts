/**
 * The one place that picks the store: PostgreSQL when DATABASE_URL is set (several instances share it), else the
 * embedded SQLite file (`pnpm dev`, the tests, one small instance).
 */
import type { StorageConfig } from '../config.ts';
import { openPostgresStore } from './postgres-store.ts';
import { openSqliteStore } from './sqlite-store.ts';
import type { Store } from './store.ts';

export async function openStore(
  storage: StorageConfig,
  o: { onConnectionError?: (err: Error) => void } = {},
): Promise<Store> {
  if (storage.postgres === null) {
    return openSqliteStore(storage.databaseFile, { busyTimeoutMs: storage.busyTimeoutMs });
  }
  return openPostgresStore(storage.postgres.url, {
    timeoutMs: storage.busyTimeoutMs,
    poolMax: storage.postgres.poolMax,
    migrate: storage.postgres.migrateOnStart,
    ...(o.onConnectionError ? { onConnectionError: o.onConnectionError } : {}),
  });
}

/** Where the data lives, for logs: the SQLite file, or the PostgreSQL server and database without credentials. */
export function describeStorage(storage: StorageConfig): string {
  if (storage.postgres === null) return storage.databaseFile;
  const url = new URL(storage.postgres.url);
  return `${url.protocol}//${url.host}${url.pathname}`;
}
