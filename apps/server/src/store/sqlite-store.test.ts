import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS } from './migrations.ts';
import { openSqliteStore } from './sqlite-store.ts';
import type { SealedTikiTokens, Store } from './store.ts';

let dir: string;
let file: string;
let store: Store;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sqlite-store-'));
  file = join(dir, 'nested', 'server.sqlite');
  store = openSqliteStore(file);
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const sealed = (marker: string): SealedTikiTokens => ({
  keyId: 'k1',
  accessToken: Buffer.from(`a-${marker}`),
  refreshToken: Buffer.from(`r-${marker}`),
  accessExpiresAt: 1000,
  scopes: ['offline'],
});

async function userWithTokens(): Promise<string> {
  const user = await store.upsertUser({ id: 'u1', tikiCustomerId: 1, name: 'Ti Ni', now: 0 });
  await store.saveTikiTokens(user.id, sealed('1'), 0);
  return user.id;
}

describe('the SQLite store', () => {
  it('creates its folder, migrates once, uses WAL, and a second open of the same file migrates nothing', async () => {
    const db = new Database(file, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
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
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    db.close();
    expect(() => openSqliteStore(file)).toThrow(/newer than this server/);
    store = openSqliteStore(':memory:');
  });

  it('upserts users by Tiki customer id, keeping our id and updating the name', async () => {
    const first = await store.upsertUser({ id: 'u1', tikiCustomerId: 7, name: 'A', now: 1 });
    const again = await store.upsertUser({ id: 'u2', tikiCustomerId: 7, name: 'B', now: 2 });
    expect(again).toEqual({ id: 'u1', tikiCustomerId: 7, name: 'B', createdAt: 1, updatedAt: 2 });
    expect(first.id).toBe('u1');
  });

  it('gives the refresh lease to one owner per generation; the others wait or see the next generation', async () => {
    const userId = await userWithTokens();
    const lease = { userId, seenGeneration: 1, now: 10, leaseMs: 100 };
    expect((await store.acquireRefreshLease({ ...lease, owner: 'A' })).kind).toBe('acquired');
    expect(await store.acquireRefreshLease({ ...lease, owner: 'B' })).toEqual({ kind: 'busy' });

    const refreshed = { userId, generation: 1, now: 20 };
    expect(await store.completeRefresh({ ...refreshed, owner: 'B', tokens: sealed('x') })).toBeNull();
    const saved = await store.completeRefresh({ ...refreshed, owner: 'A', tokens: sealed('2') });
    expect(saved?.generation).toBe(2);

    const late = await store.acquireRefreshLease({ ...lease, owner: 'B' });
    expect(late.kind).toBe('advanced');
    expect(late.kind === 'advanced' && late.tokens.accessToken.toString()).toBe('a-2');
  });

  it('applies refreshed tokens only over the generation refreshed: a grant saved meanwhile wins', async () => {
    const userId = await userWithTokens();
    expect(
      (await store.acquireRefreshLease({ userId, seenGeneration: 1, owner: 'A', now: 10, leaseMs: 100 }))
        .kind,
    ).toBe('acquired');
    const login = await store.saveTikiTokens(userId, sealed('login'), 15);
    expect(login.generation).toBe(2);
    const late = { userId, generation: 1, owner: 'A', tokens: sealed('refreshed'), now: 20 };
    expect(await store.completeRefresh(late)).toBeNull();
    expect((await store.getTikiTokens(userId))?.accessToken.toString()).toBe('a-login');
    // A holder whose lease expired unseen still completes the generation it refreshed.
    const next = await store.acquireRefreshLease({
      userId,
      seenGeneration: 2,
      owner: 'A',
      now: 30,
      leaseMs: 1,
    });
    expect(next.kind).toBe('acquired');
    const saved = await store.completeRefresh({ ...late, generation: 2, now: 40 });
    expect(saved?.generation).toBe(3);
  });

  it('lets another owner take an expired lease, and a released one at once', async () => {
    const userId = await userWithTokens();
    const lease = { userId, seenGeneration: 1, leaseMs: 100 };
    expect((await store.acquireRefreshLease({ ...lease, owner: 'A', now: 0 })).kind).toBe('acquired');
    expect((await store.acquireRefreshLease({ ...lease, owner: 'B', now: 100 })).kind).toBe('acquired');
    await store.releaseRefreshLease(userId, 'B');
    expect((await store.acquireRefreshLease({ ...lease, owner: 'C', now: 101 })).kind).toBe('acquired');
    expect(await store.deleteTikiTokens(userId, 5)).toBe(false);
    expect(await store.deleteTikiTokens(userId, 1)).toBe(true);
    expect(await store.acquireRefreshLease({ ...lease, owner: 'D', now: 102 })).toEqual({ kind: 'gone' });
  });

  it('claims a code once; a settled code is reported, a released one can be claimed again', async () => {
    const claim = (owner: string, now: number) => store.claimAuthCode('h1', { owner, now, claimMs: 100 });
    expect(await claim('A', 1)).toEqual({ claimed: true });
    expect(await claim('B', 2)).toMatchObject({
      claimed: false,
      record: { state: 'pending' },
    });
    await store.releaseAuthCode('h1', 'A');
    expect(await claim('C', 3)).toEqual({ claimed: true });
    await store.settleAuthCode('h1', 'C', { state: 'rejected', userId: null, now: 4 });
    await store.releaseAuthCode('h1', 'C'); // only pending claims can be released
    expect(await claim('D', 5)).toMatchObject({
      claimed: false,
      record: { state: 'rejected', settledAt: 4 },
    });
  });

  it('lets a pending claim be taken over once it expires, and only its current owner settle it', async () => {
    const claim = (owner: string, now: number) => store.claimAuthCode('h2', { owner, now, claimMs: 100 });
    expect(await claim('crashed', 0)).toEqual({ claimed: true });
    expect(await claim('early', 99)).toMatchObject({
      claimed: false,
      record: { owner: 'crashed', claimExpiresAt: 100 },
    });
    expect(await claim('retry', 100)).toEqual({ claimed: true });
    // The stalled first owner comes back: its verdict no longer applies, nor can it free the claim.
    await store.settleAuthCode('h2', 'crashed', { state: 'succeeded', userId: null, now: 101 });
    await store.releaseAuthCode('h2', 'crashed');
    expect(await store.getAuthCode('h2')).toMatchObject({
      state: 'pending',
      owner: 'retry',
      claimExpiresAt: 200,
    });
    await store.settleAuthCode('h2', 'retry', { state: 'rejected', userId: null, now: 150 });
    expect(await claim('late', 1000)).toMatchObject({ claimed: false, record: { state: 'rejected' } });
  });

  it('finds a session with its user and granted scopes in one read; scopes null until tokens are stored', async () => {
    await store.upsertUser({ id: 'u1', tikiCustomerId: 7, name: 'Ti Ni', now: 1 });
    await store.createSession({ tokenHash: 's1', userId: 'u1', createdAt: 2, lastSeenAt: 3, expiresAt: 9 });
    expect(await store.findSession('s1')).toEqual({
      tokenHash: 's1',
      userId: 'u1',
      createdAt: 2,
      lastSeenAt: 3,
      expiresAt: 9,
      user: { id: 'u1', tikiCustomerId: 7, name: 'Ti Ni', createdAt: 1, updatedAt: 1 },
      grantedScopes: null,
    });
    await store.saveTikiTokens('u1', { ...sealed('1'), scopes: ['user_profile', 'offline'] }, 4);
    expect((await store.findSession('s1'))?.grantedScopes).toEqual(['user_profile', 'offline']);
    expect(await store.findSession('unknown')).toBeNull();
  });

  it('stores a login’s grant and session together', async () => {
    await store.upsertUser({ id: 'u1', tikiCustomerId: 1, name: 'Ti Ni', now: 0 });
    const session = { tokenHash: 's1', userId: 'u1', createdAt: 1, lastSeenAt: 1, expiresAt: 9 };
    const saved = await store.saveLogin({ tokens: sealed('1'), session, now: 1 });
    expect(saved).toMatchObject({ userId: 'u1', generation: 1 });
    expect(await store.findSession('s1')).toMatchObject({ userId: 'u1', grantedScopes: ['offline'] });
  });

  it("deletes a user's Tiki tokens with their last session, and prunes tokens no session can use", async () => {
    await store.upsertUser({ id: 'u1', tikiCustomerId: 1, name: 'Ti Ni', now: 0 });
    await store.saveTikiTokens('u1', sealed('1'), 0);
    for (const tokenHash of ['phone', 'tablet']) {
      await store.createSession({ tokenHash, userId: 'u1', createdAt: 0, lastSeenAt: 0, expiresAt: 9000 });
    }
    await store.deleteSession('phone');
    expect(await store.getTikiTokens('u1')).not.toBeNull();
    await store.deleteSession('tablet');
    expect(await store.getTikiTokens('u1')).toBeNull();

    await store.upsertUser({ id: 'u2', tikiCustomerId: 2, name: 'Ti Na', now: 0 });
    await store.saveTikiTokens('u2', sealed('2'), 0);
    await store.createSession({
      tokenHash: 'expired',
      userId: 'u2',
      createdAt: 0,
      lastSeenAt: 0,
      expiresAt: 10,
    });
    expect(await store.prune({ now: 1000, idleTimeoutMs: 5000, codesBefore: 0 })).toEqual({
      sessions: 1,
      codes: 0,
      tikiTokens: 1,
      orders: 0,
    });
    expect(await store.getTikiTokens('u2')).toBeNull();
  });

  it('prunes expired and idle sessions and old code records', async () => {
    const userId = (await store.upsertUser({ id: 'u1', tikiCustomerId: 1, name: 'Ti Ni', now: 0 })).id;
    await store.createSession({ tokenHash: 'live', userId, createdAt: 0, lastSeenAt: 900, expiresAt: 5000 });
    await store.createSession({ tokenHash: 'idle', userId, createdAt: 0, lastSeenAt: 100, expiresAt: 5000 });
    await store.createSession({ tokenHash: 'old', userId, createdAt: 0, lastSeenAt: 900, expiresAt: 1000 });
    await store.claimAuthCode('old-code', { owner: 'A', now: 10, claimMs: 100 });
    await store.claimAuthCode('new-code', { owner: 'B', now: 900, claimMs: 100 });
    expect(await store.prune({ now: 1000, idleTimeoutMs: 500, codesBefore: 500 })).toEqual({
      sessions: 2,
      codes: 1,
      tikiTokens: 0,
      orders: 0,
    });
    expect(await store.findSession('live')).not.toBeNull();
    expect(await store.getAuthCode('new-code')).not.toBeNull();
  });
});
