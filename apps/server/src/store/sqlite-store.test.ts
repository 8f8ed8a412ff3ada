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

  it('reads a session synchronously (findSessionNow) exactly as findSession does', async () => {
    await store.upsertUser({ id: 'u1', tikiCustomerId: 1, name: 'Ti Ni', now: 0 });
    await store.createSession({ tokenHash: 'h1', userId: 'u1', createdAt: 0, lastSeenAt: 0, expiresAt: 10 });
    expect(store.findSessionNow?.('h1')).toEqual(await store.findSession('h1'));
    expect(store.findSessionNow?.('h1')).toMatchObject({ userId: 'u1', user: { name: 'Ti Ni' } });
    expect(store.findSessionNow?.('nope')).toBeNull();
  });

  it('counts a request limit synchronously (hitRateLimitNow) in the same windows as hitRateLimit', async () => {
    expect(store.hitRateLimitNow?.('tiki-routes:u1', 1000, 0)).toEqual({ hits: 1, resetAt: 1000 });
    expect(await store.hitRateLimit('tiki-routes:u1', 1000, 500)).toEqual({ hits: 2, resetAt: 1000 });
    expect(store.hitRateLimitNow?.('tiki-routes:u1', 1000, 600)).toEqual({ hits: 3, resetAt: 1000 });
    expect(store.hitRateLimitNow?.('tiki-routes:u1', 1000, 1000)).toEqual({ hits: 1, resetAt: 2000 });
  });

  it('says it cannot count now (undefined) while another process holds the write lock, and counts nothing', async () => {
    const other = new Database(file);
    other.exec('BEGIN IMMEDIATE');
    expect(store.hitRateLimitNow?.('tiki-routes:u1', 1000, 0)).toBeUndefined();
    other.exec('ROLLBACK');
    other.close();
    expect(store.hitRateLimitNow?.('tiki-routes:u1', 1000, 0)).toEqual({ hits: 1, resetAt: 1000 });
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

describeStoreContract('SQLite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sqlite-contract-'));
  dirs.push(dir);
  return openSqliteStore(join(dir, 'server.sqlite'));
});
