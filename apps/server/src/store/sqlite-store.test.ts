import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SQLITE_MIGRATIONS } from './sqlite-migrations.ts';
import { openSqliteStore } from './sqlite-store.ts';
import type { Store } from './store.ts';
import { describeStoreContract } from './store-contract.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('the SQLite store’s own', () => {
  let dir: string;
  let file: string;
  let store: Store;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sqlite-store-'));
    dirs.push(dir);
    file = join(dir, 'nested', 'server.sqlite');
    store = openSqliteStore(file);
  });
  afterEach(async () => {
    await store.close();
  });

  it('creates its folder, migrates once, uses WAL, and a second open of the same file migrates nothing', async () => {
    const db = new Database(file, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(SQLITE_MIGRATIONS.length);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
    const second = openSqliteStore(file);
    await second.ping();
    await second.close();
  });

  it('creates its folder 0700 and the database and its WAL 0600: no other user of the machine reads them', async () => {
    await store.upsertUser({ id: 'u1', tikiCustomerId: 1, name: 'Ti Ni', now: 0 }); // a write makes the WAL
    const mode = (path: string) => statSync(path).mode & 0o777;
    expect(mode(join(dir, 'nested'))).toBe(0o700);
    expect(mode(file)).toBe(0o600);
    expect(mode(`${file}-wal`)).toBe(0o600);
    expect(mode(`${file}-shm`)).toBe(0o600);
  });

  it('refuses a database written by a newer server', async () => {
    await store.close();
    const db = new Database(file);
    db.pragma(`user_version = ${SQLITE_MIGRATIONS.length + 1}`);
    db.close();
    expect(() => openSqliteStore(file)).toThrow(/newer than this server/);
    store = openSqliteStore(':memory:');
  });
});

describeStoreContract('SQLite', (events) => {
  const dir = mkdtempSync(join(tmpdir(), 'sqlite-contract-'));
  dirs.push(dir);
  return openSqliteStore(join(dir, 'server.sqlite'), { events: { ...events, storeWaited() {} } });
});
