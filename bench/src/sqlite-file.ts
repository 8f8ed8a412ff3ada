/**
 * Reads the server's SQLite file directly, with the driver the server itself uses (better-sqlite3, resolved
 * from the server package so the bench does not pin a second copy), to check what a crash left on disk.
 */
import { createRequire } from 'node:module';

export interface SqliteFile {
  all<T>(sql: string, ...params: unknown[]): T[];
  get<T>(sql: string, ...params: unknown[]): T | undefined;
  close(): void;
}

interface BetterSqlite3Database {
  prepare(sql: string): { all(...params: unknown[]): unknown[]; get(...params: unknown[]): unknown };
  pragma(source: string, options?: { simple?: boolean }): unknown;
  close(): void;
}
type BetterSqlite3 = new (file: string, options?: { fileMustExist?: boolean }) => BetterSqlite3Database;

const requireFromServer = createRequire(createRequire(import.meta.url).resolve('@tini-starter/server/app'));

export function openSqliteFile(file: string): SqliteFile {
  const Database = requireFromServer('better-sqlite3') as BetterSqlite3;
  // Opening replays the WAL exactly as the server's next start would: committed transactions, nothing else.
  const db = new Database(file, { fileMustExist: true });
  db.pragma('foreign_keys = ON');
  return {
    all: <T>(sql: string, ...params: unknown[]) => db.prepare(sql).all(...params) as T[],
    get: <T>(sql: string, ...params: unknown[]) => db.prepare(sql).get(...params) as T | undefined,
    close: () => db.close(),
  };
}
