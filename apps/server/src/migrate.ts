/**
 * `pnpm --filter @tini-starter/server migrate`: applies the database migrations and exits, for deploys that
 * migrate before starting the new instances (then DATABASE_MIGRATE_ON_START=false lets the server's own
 * database account do without schema rights). Reads only the database variables: no Tiki keys needed.
 * Safe to run while instances serve and while another migrate runs: the migrations take a lock.
 */
import { ConfigError, loadStorageConfig } from './config.ts';
import { loadEnvFiles } from './env-files.ts';
import { describeStorage } from './store/open-store.ts';
import { migratePostgres } from './store/postgres-store.ts';
import { migrateSqliteFile } from './store/sqlite-store.ts';

if (process.env.NODE_ENV !== 'test') loadEnvFiles();

let storage: ReturnType<typeof loadStorageConfig>;
try {
  storage = loadStorageConfig(process.env);
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  console.error(`migrate: ${err.message}`);
  process.exit(78); // EX_CONFIG
}

try {
  const { from, to } =
    storage.postgres === null
      ? migrateSqliteFile(storage.databaseFile, { busyTimeoutMs: storage.busyTimeoutMs })
      : await migratePostgres(storage.postgres.url);
  const what = from === to ? `already at schema v${to}` : `migrated from schema v${from} to v${to}`;
  console.warn(`migrate: ${describeStorage(storage)}: ${what}`);
} catch (err) {
  console.error(`migrate: ${describeStorage(storage)}: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
