/**
 * The embedded default store: one SQLite file (better-sqlite3), WAL so readers never wait for the writer,
 * a busy timeout so two processes sharing the file queue instead of failing, migrations on open.
 */
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { type MigratedVersions, pendingMigrations } from './migrate.ts';
import type { RateLimitHits } from './rate-limits.ts';
import {
  type CodeRow,
  rowsFor,
  type SessionWithTokensRow,
  type SessionWithUserRow,
  type TokensRow,
  toCode,
  toSessionWithUser,
  toTokens,
  toUser,
  type UserRow,
} from './rows.ts';
import { SQLITE_MIGRATIONS } from './sqlite-migrations.ts';
import { sqliteOrderStore } from './sqlite-orders.ts';
import {
  type AuthCodeRecord,
  type RefreshLease,
  type SealedTikiTokens,
  type SessionRecord,
  StorageUnavailableError,
  type Store,
  type StoredTikiTokens,
  type StoreEvents,
} from './store.ts';

export interface SqliteStoreOptions {
  /**
   * How long a statement waits for another process's write lock before StorageUnavailableError (ms). The wait
   * never blocks the event loop: SQLite answers busy at once and the attempt is repeated after a timer.
   */
  busyTimeoutMs?: number;
  /** Told of status changes and of waits for another process's lock (the metrics); default nobody. */
  events?: Pick<StoreEvents, 'orderStatusChanged' | 'storeWaited'>;
}

/** Opens the file (created 0600 in a 0700 folder) and applies the missing migrations; the caller closes it. */
function openDatabase(
  file: string,
  busyTimeoutMs: number,
): { db: Database.Database; migrated: MigratedVersions } {
  if (file !== ':memory:') {
    // Only this server's user may read it: sessions (hashed), users, sealed Tiki tokens. SQLite gives the WAL
    // and shared-memory files the database file's permissions.
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    if (!existsSync(file)) closeSync(openSync(file, 'a', 0o600));
  }
  // Opening and migrating may wait for the lock synchronously: nothing is being served yet.
  const db = new Database(file, { timeout: busyTimeoutMs });
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    return { db, migrated: migrate(db) };
  } catch (err) {
    db.close();
    throw err;
  }
}

/** What `pnpm migrate` does with SQLite: open the file, apply the missing migrations, close it. */
export function migrateSqliteFile(file: string, o: SqliteStoreOptions = {}): MigratedVersions {
  const { db, migrated } = openDatabase(file, o.busyTimeoutMs ?? 5000);
  db.close();
  return migrated;
}

export function openSqliteStore(file: string, o: SqliteStoreOptions = {}): Store & { readonly file: string } {
  const busyTimeoutMs = o.busyTimeoutMs ?? 5000;
  const { db } = openDatabase(file, busyTimeoutMs);
  // From here on SQLite answers SQLITE_BUSY at once, and retryWhileBusy waits on a timer instead: a lock held by
  // another process must not freeze every request of this one (better-sqlite3's busy wait is synchronous).
  db.pragma('busy_timeout = 0');

  const q = {
    ping: db.prepare('SELECT 1'),
    upsertUser: db.prepare<[string, number, string, number, number], UserRow>(
      `INSERT INTO users (id, tiki_customer_id, name, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (tiki_customer_id) DO UPDATE SET name = excluded.name, updated_at = excluded.updated_at
       RETURNING *`,
    ),
    getUser: db.prepare<[string], UserRow>('SELECT * FROM users WHERE id = ?'),
    createSession: db.prepare<[string, string, number, number, number]>(
      'INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?)',
    ),
    // Every authenticated request: one statement (one read transaction) instead of three.
    findSession: db.prepare<[string], SessionWithUserRow>(
      `SELECT s.token_hash, s.user_id, s.created_at, s.last_seen_at, s.expires_at, u.tiki_customer_id, u.name,
         u.created_at AS user_created_at, u.updated_at AS user_updated_at, t.scopes
       FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN tiki_tokens t ON t.user_id = s.user_id
       WHERE s.token_hash = ?`,
    ),
    // The same, with the sealed tokens, for the routes that call Tiki.
    findSessionWithTokens: db.prepare<[string], SessionWithTokensRow>(
      `SELECT s.token_hash, s.user_id, s.created_at, s.last_seen_at, s.expires_at, u.tiki_customer_id, u.name,
         u.created_at AS user_created_at, u.updated_at AS user_updated_at, t.scopes, t.key_id, t.access_token,
         t.refresh_token, t.access_expires_at, t.generation, t.updated_at AS tokens_updated_at
       FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN tiki_tokens t ON t.user_id = s.user_id
       WHERE s.token_hash = ?`,
    ),
    touchSession: db.prepare<[number, string, number]>(
      'UPDATE sessions SET last_seen_at = ? WHERE token_hash = ? AND last_seen_at < ?',
    ),
    deleteSession: db.prepare<[string], { user_id: string }>(
      'DELETE FROM sessions WHERE token_hash = ? RETURNING user_id',
    ),
    deleteTokensWithoutSession: db.prepare<[string, string]>(
      'DELETE FROM tiki_tokens WHERE user_id = ? AND NOT EXISTS (SELECT 1 FROM sessions WHERE user_id = ?)',
    ),
    pruneOrphanedTokens: db.prepare(
      'DELETE FROM tiki_tokens WHERE NOT EXISTS (SELECT 1 FROM sessions s WHERE s.user_id = tiki_tokens.user_id)',
    ),
    saveTokens: db.prepare<[string, string, Buffer, Buffer | null, number, string, number], TokensRow>(
      `INSERT INTO tiki_tokens (user_id, key_id, access_token, refresh_token, access_expires_at, scopes,
         generation, updated_at, lease_owner, lease_expires_at)
       VALUES (?, ?, ?, ?, ?, ?, 1, ?, NULL, NULL)
       ON CONFLICT (user_id) DO UPDATE SET key_id = excluded.key_id, access_token = excluded.access_token,
         refresh_token = excluded.refresh_token, access_expires_at = excluded.access_expires_at,
         scopes = excluded.scopes, generation = tiki_tokens.generation + 1, updated_at = excluded.updated_at,
         lease_owner = NULL, lease_expires_at = NULL
       RETURNING *`,
    ),
    getTokens: db.prepare<[string], TokensRow>('SELECT * FROM tiki_tokens WHERE user_id = ?'),
    deleteTokens: db.prepare<[string]>('DELETE FROM tiki_tokens WHERE user_id = ?'),
    deleteTokensAt: db.prepare<[string, number]>(
      'DELETE FROM tiki_tokens WHERE user_id = ? AND generation = ?',
    ),
    takeLease: db.prepare<[string, number, string]>(
      'UPDATE tiki_tokens SET lease_owner = ?, lease_expires_at = ? WHERE user_id = ?',
    ),
    completeRefresh: db.prepare<
      [string, Buffer, Buffer | null, number, string, number, string, number, string, number],
      TokensRow
    >(
      `UPDATE tiki_tokens SET key_id = ?, access_token = ?, refresh_token = ?, access_expires_at = ?, scopes = ?,
         generation = generation + 1, updated_at = ?, lease_owner = NULL, lease_expires_at = NULL
       WHERE user_id = ? AND generation = ?
         AND (lease_owner IS NULL OR lease_owner = ? OR lease_expires_at <= ?)
       RETURNING *`,
    ),
    releaseLease: db.prepare<[string, string]>(
      'UPDATE tiki_tokens SET lease_owner = NULL, lease_expires_at = NULL WHERE user_id = ? AND lease_owner = ?',
    ),
    // A new claim, or the takeover of a pending one whose owner let it expire.
    claimCode: db.prepare<[string, number, string, number, number]>(
      `INSERT INTO auth_codes (code_hash, state, user_id, created_at, settled_at, owner, claim_expires_at)
       VALUES (?, 'pending', NULL, ?, NULL, ?, ?)
       ON CONFLICT (code_hash) DO UPDATE SET owner = excluded.owner, claim_expires_at = excluded.claim_expires_at
       WHERE auth_codes.state = 'pending' AND auth_codes.claim_expires_at <= ?`,
    ),
    getCode: db.prepare<[string], CodeRow>('SELECT * FROM auth_codes WHERE code_hash = ?'),
    settleCode: db.prepare<[string, string | null, number, string, string]>(
      `UPDATE auth_codes SET state = ?, user_id = ?, settled_at = ?, claim_expires_at = NULL
       WHERE code_hash = ? AND owner = ? AND state = 'pending'`,
    ),
    releaseCode: db.prepare<[string, string]>(
      "DELETE FROM auth_codes WHERE code_hash = ? AND owner = ? AND state = 'pending'",
    ),
    pruneSessions: db.prepare<[number, number]>(
      'DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at <= ?',
    ),
    pruneCodes: db.prepare<[number]>('DELETE FROM auth_codes WHERE created_at < ?'),
    // One statement per hit: a window that ended starts again at 1 (see rate-limits.ts).
    hitLimit: db.prepare<
      [{ key: string; now: number; windowMs: number }],
      { hits: number; reset_at: number }
    >(
      `INSERT INTO rate_limits (key, hits, reset_at) VALUES (@key, 1, @now + @windowMs)
       ON CONFLICT (key) DO UPDATE SET
         hits = CASE WHEN reset_at <= @now THEN 1 ELSE hits + 1 END,
         reset_at = CASE WHEN reset_at <= @now THEN @now + @windowMs ELSE reset_at END
       RETURNING hits, reset_at`,
    ),
    unhitLimit: db.prepare<[string, number]>(
      'UPDATE rate_limits SET hits = MAX(hits - 1, 0) WHERE key = ? AND reset_at > ?',
    ),
    resetLimit: db.prepare<[string]>('DELETE FROM rate_limits WHERE key = ?'),
    pruneLimits: db.prepare<[number]>('DELETE FROM rate_limits WHERE reset_at <= ?'),
  };

  const acquireLease = db.transaction(
    (i: {
      userId: string;
      seenGeneration: number;
      owner: string;
      now: number;
      leaseMs: number;
    }): RefreshLease => {
      const row = q.getTokens.get(i.userId);
      if (!row) return { kind: 'gone' };
      if (row.generation !== i.seenGeneration) return { kind: 'advanced', tokens: toTokens(row) };
      if (row.lease_owner !== null && row.lease_owner !== i.owner && (row.lease_expires_at ?? 0) > i.now) {
        return { kind: 'busy' };
      }
      q.takeLease.run(i.owner, i.now + i.leaseMs, i.userId);
      return { kind: 'acquired', tokens: toTokens(row) };
    },
  );

  const saveTokens = (userId: string, t: SealedTikiTokens, now: number): StoredTikiTokens =>
    toTokens(
      q.saveTokens.get(
        userId,
        t.keyId,
        t.accessToken,
        t.refreshToken,
        t.accessExpiresAt,
        JSON.stringify(t.scopes),
        now,
      ) as TokensRow,
    );

  const hitLimit = (key: string, windowMs: number, now: number): RateLimitHits => {
    const row = q.hitLimit.get({ key, now, windowMs }) as { hits: number; reset_at: number };
    return { hits: row.hits, resetAt: row.reset_at };
  };

  const createSession = (s: SessionRecord) =>
    q.createSession.run(s.tokenHash, s.userId, s.createdAt, s.lastSeenAt, s.expiresAt);

  const saveLogin = db.transaction((i: Parameters<Store['saveLogin']>[0]) => {
    const user = toUser(
      q.upsertUser.get(i.user.id, i.user.tikiCustomerId, i.user.name, i.now, i.now) as UserRow,
    );
    const { tokens, session } = rowsFor(user.id, i.rows);
    const saved = saveTokens(user.id, tokens, i.now);
    createSession(session);
    if (i.code) q.settleCode.run('succeeded', user.id, i.now, i.code.codeHash, i.code.owner);
    if (i.takeBackAttempt) q.unhitLimit.run(i.takeBackAttempt, i.now);
    return { user, tokens: saved };
  });

  const endSession = db.transaction((tokenHash: string) => {
    const ended = q.deleteSession.get(tokenHash);
    if (ended) q.deleteTokensWithoutSession.run(ended.user_id, ended.user_id);
  });

  const claimCode = db.transaction(
    (
      codeHash: string,
      c: { owner: string; now: number; claimMs: number },
    ): { claimed: true } | { claimed: false; record: AuthCodeRecord } => {
      if (q.claimCode.run(codeHash, c.now, c.owner, c.now + c.claimMs, c.now).changes > 0)
        return { claimed: true };
      return { claimed: false, record: toCode(q.getCode.get(codeHash) as CodeRow) };
    },
  );

  const { pruneCreating, ...orders } = sqliteOrderStore(db, o.events ?? null);

  let closed = false;
  const store: Store & { readonly file: string } = {
    file,
    ...orders,
    async ping() {
      q.ping.get();
      // A read succeeds while another process holds the write lock; a login would not. Ready means both.
      db.exec('BEGIN IMMEDIATE');
      db.exec('ROLLBACK');
    },
    async close() {
      if (closed) return;
      closed = true;
      db.close();
    },
    poolStats: () => null,

    async upsertUser(u) {
      return toUser(q.upsertUser.get(u.id, u.tikiCustomerId, u.name, u.now, u.now) as UserRow);
    },
    async getUser(id) {
      const row = q.getUser.get(id);
      return row ? toUser(row) : null;
    },

    async createSession(s) {
      createSession(s);
    },
    async findSession(tokenHash, o) {
      const row = (o?.withTokens ? q.findSessionWithTokens : q.findSession).get(tokenHash);
      return row ? toSessionWithUser(row) : null;
    },
    async touchSession(tokenHash, now) {
      q.touchSession.run(now, tokenHash, now);
    },
    async deleteSession(tokenHash) {
      endSession(tokenHash);
    },

    async saveLogin(i) {
      return saveLogin.immediate(i);
    },
    async saveTikiTokens(userId, t, now) {
      return saveTokens(userId, t, now);
    },
    async getTikiTokens(userId) {
      const row = q.getTokens.get(userId);
      return row ? toTokens(row) : null;
    },
    async deleteTikiTokens(userId, generation) {
      const result =
        generation === undefined ? q.deleteTokens.run(userId) : q.deleteTokensAt.run(userId, generation);
      return result.changes > 0;
    },

    async acquireRefreshLease(i) {
      return acquireLease.immediate(i);
    },
    async completeRefresh(i) {
      const t = i.tokens;
      const row = q.completeRefresh.get(
        t.keyId,
        t.accessToken,
        t.refreshToken,
        t.accessExpiresAt,
        JSON.stringify(t.scopes),
        i.now,
        i.userId,
        i.generation,
        i.owner,
        i.now,
      );
      return row ? toTokens(row) : null;
    },
    async releaseRefreshLease(userId, owner) {
      q.releaseLease.run(userId, owner);
    },

    async claimAuthCode(codeHash, claim) {
      return claimCode.immediate(codeHash, claim);
    },
    async settleAuthCode(codeHash, owner, outcome) {
      q.settleCode.run(outcome.state, outcome.userId, outcome.now, codeHash, owner);
    },
    async releaseAuthCode(codeHash, owner) {
      q.releaseCode.run(codeHash, owner);
    },
    async getAuthCode(codeHash) {
      const row = q.getCode.get(codeHash);
      return row ? toCode(row) : null;
    },

    async hitRateLimit(key, windowMs, now) {
      return hitLimit(key, windowMs, now);
    },
    async unhitRateLimit(key, now) {
      q.unhitLimit.run(key, now);
    },
    async resetRateLimit(key) {
      q.resetLimit.run(key);
    },

    async prune(i) {
      const sessions = q.pruneSessions.run(i.now, i.now - i.idleTimeoutMs).changes;
      const codes = q.pruneCodes.run(i.codesBefore).changes;
      const tikiTokens = q.pruneOrphanedTokens.run().changes;
      const rateLimits = q.pruneLimits.run(i.now).changes;
      return { sessions, codes, tikiTokens, orders: pruneCreating(i.codesBefore), rateLimits };
    },
  };
  return retryWhileBusy(store, {
    deadlineMs: busyTimeoutMs,
    pingDeadlineMs: Math.min(busyTimeoutMs, READINESS_WAIT_MS),
    waited: o.events ? () => o.events?.storeWaited() : () => {},
  });
}

/** /readyz waits at most this long for the write lock before it says the store is not ready. */
const READINESS_WAIT_MS = 1000;

function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

/**
 * Every method of the store, repeated on a timer while SQLite answers busy (a statement that gets
 * SQLITE_BUSY has written nothing, and a transaction that gets it has rolled back), up to a deadline in real
 * time, then StorageUnavailableError. The first attempt runs at once: the common case costs one `.catch`.
 */
/** close() must not wait; poolStats() is synchronous. */
const NOT_RETRIED = new Set(['close', 'poolStats']);

function retryWhileBusy<T extends object>(
  target: T,
  o: { deadlineMs: number; pingDeadlineMs: number; waited: () => void },
): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(target)) {
    if (typeof value !== 'function' || NOT_RETRIED.has(name)) {
      wrapped[name] = value;
      continue;
    }
    const method = value as (...args: unknown[]) => Promise<unknown>;
    const deadline = name === 'ping' ? o.pingDeadlineMs : o.deadlineMs;
    wrapped[name] = (...args: unknown[]) =>
      method(...args).catch((err: unknown) => {
        if (!isBusy(err)) throw err;
        o.waited();
        return retryLater(() => method(...args), deadline);
      });
  }
  return wrapped as T;
}

async function retryLater<R>(attempt: () => Promise<R>, deadlineMs: number): Promise<R> {
  const giveUpAt = Date.now() + deadlineMs;
  for (let waitMs = 5; ; waitMs = Math.min(waitMs * 2, 100)) {
    if (Date.now() + waitMs > giveUpAt) {
      throw new StorageUnavailableError(`the database stayed locked by another process for ${deadlineMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, waitMs));
    try {
      return await attempt();
    } catch (err) {
      if (!isBusy(err)) throw err;
    }
  }
}

function migrate(db: Database.Database): MigratedVersions {
  // IMMEDIATE: the version is read under the write lock, so a second process starting now waits, then sees it.
  return db
    .transaction(() => {
      const applied = db.pragma('user_version', { simple: true }) as number;
      const pending = pendingMigrations(applied, SQLITE_MIGRATIONS);
      for (const m of pending) {
        db.exec(m.sql);
        db.pragma(`user_version = ${m.version}`);
      }
      return { from: applied, to: applied + pending.length };
    })
    .immediate();
}
