/**
 * Vitest's global setup for this package: one PostgreSQL for the whole run (a throwaway cluster, or
 * TEST_DATABASE_URL), stopped after it. Each test file creates its own databases on it (`testDatabase()`), so
 * files running in parallel never share one.
 */
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
  return () => postgres.close();
}
