/**
 * Vitest's global setup for this package: one PostgreSQL for the whole run (a throwaway cluster, or
 * TEST_DATABASE_URL), stopped after it. Each test file creates its own databases on it (`testDatabase()`), so
 * files running in parallel never share one.
 */
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { type PostgresServer, startPostgres } from './postgres.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    postgres: PostgresServer;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const postgres = await startPostgres();
  project.provide('postgres', { adminUrl: postgres.adminUrl, prefix: postgres.prefix });
  return async () => {
    // Proof in the run's output that the PostgreSQL suites ran, and on what.
    const client = new pg.Client({ connectionString: postgres.adminUrl });
    try {
      await client.connect();
      const { rows } = await client.query<{ databases: number; version: string }>(
        "SELECT count(*)::int AS databases, current_setting('server_version') AS version FROM pg_database " +
          "WHERE starts_with(datname, $1 || '_')",
        [postgres.prefix],
      );
      const { host } = new URL(postgres.adminUrl);
      console.warn(
        `PostgreSQL ${rows[0]?.version} on ${host}: ${rows[0]?.databases} test databases created by this run`,
      );
    } finally {
      await client.end();
      await postgres.close();
    }
  };
}
