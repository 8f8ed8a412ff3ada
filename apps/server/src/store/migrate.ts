/**
 * Versioned schema migrations, one rule for every store: each store keeps an ordered list in its own SQL dialect
 * (sqlite-migrations.ts, postgres-migrations.ts) and records how many ran; on open (or `pnpm migrate`) the missing
 * ones run in order, in one transaction with the version, under a lock that makes concurrent starts migrate once.
 * Append new migrations; never edit one that has shipped.
 */

/** The schema version before and after a migration run (equal when there was nothing to do). */
export interface MigratedVersions {
  from: number;
  to: number;
}

export interface PendingMigration {
  /** The schema version after this migration (1-based). */
  version: number;
  sql: string;
}

/** What a database at version `applied` still needs; refuses a database a newer server has migrated. */
export function pendingMigrations(applied: number, migrations: readonly string[]): PendingMigration[] {
  if (applied > migrations.length) {
    throw new Error(
      `server: the database schema (v${applied}) is newer than this server (v${migrations.length}); ` +
        'deploy the newer server, or restore a backup taken before it migrated',
    );
  }
  return migrations.slice(applied).map((sql, i) => ({ version: applied + i + 1, sql }));
}
