/**
 * What the server keeps, behind an interface so that a shared database can serve several instances later.
 * Methods are async even though the SQLite implementation is synchronous, so that a networked store fits.
 * The store never sees a plaintext Tiki token: it stores sealed blobs (see token-vault.ts).
 */

import type { OrderStatus } from '@tini-starter/tiki-platform/order-status';
import type { OrderStore } from './orders.ts';
import type { RateLimitStore } from './rate-limits.ts';

/**
 * The database could not do the work in time (another process holds its write lock or a row, no connection is
 * free, or it is gone). Answered 503 `storage_unavailable`; the request may be tried again. SQLite wrote nothing;
 * PostgreSQL wrote nothing either, except when the connection was lost during a commit, which every write here
 * survives being repeated (claims, upserts; a retried login opens a new session).
 */
export class StorageUnavailableError extends Error {
  override readonly name = 'StorageUnavailableError';
}

/**
 * What a store tells of its own work, for the metrics (metrics.ts implements it): said after the fact, never
 * throwing, and only about writes this store made (a status two instances both apply is changed by one).
 */
export interface StoreEvents {
  /** An order's status was written from one of Tiki's statuses to another. */
  orderStatusChanged(from: OrderStatus, to: OrderStatus): void;
  /** An operation waited: SQLite locked by another process, or no free PostgreSQL connection when it began. */
  storeWaited(): void;
  /** An operation failed with StorageUnavailableError. */
  storeUnavailable(): void;
}

/** A connection pool as its driver counts it (PostgreSQL): open, idle, requests waiting for one, and its size. */
export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
  max: number;
}

export interface UserRecord {
  id: string;
  tikiCustomerId: number;
  name: string;
  createdAt: number;
  updatedAt: number;
}

export interface SessionRecord {
  /** sha256 (hex) of the session token; the token itself is never stored. */
  tokenHash: string;
  userId: string;
  createdAt: number;
  lastSeenAt: number;
  /** Absolute expiry (ms since epoch); the idle limit is applied from lastSeenAt. */
  expiresAt: number;
}

/**
 * A session as authentication reads it, in one query: the session, its user, and the scopes the user granted
 * (null when no Tiki tokens are stored), which is all GET /api/me answers, and the sealed tokens a route calling
 * Tiki needs.
 */
export interface SessionWithUser extends SessionRecord {
  user: UserRecord;
  grantedScopes: string[] | null;
  /**
   * With `withTokens`: the user's sealed Tiki tokens as of this read (null when none), so that a route calling
   * Tiki reads the database once. Left out otherwise: `/api/me` has no use for two blobs per request.
   */
  tikiTokens?: StoredTikiTokens | null;
}

/** Tiki's tokens for one user, sealed (AES-256-GCM) under `keyId`. */
export interface SealedTikiTokens {
  keyId: string;
  accessToken: Buffer;
  refreshToken: Buffer | null;
  accessExpiresAt: number;
  scopes: string[];
}

export interface StoredTikiTokens extends SealedTikiTokens {
  userId: string;
  /** Incremented by every write of new tokens: a reader that saw generation g knows whether g is still current. */
  generation: number;
  updatedAt: number;
}

export type RefreshLease =
  /** This owner holds the lease over `tokens` (still the generation the caller saw): refresh them. */
  | { kind: 'acquired'; tokens: StoredTikiTokens }
  /** Someone already wrote a newer generation than the caller saw: use it. */
  | { kind: 'advanced'; tokens: StoredTikiTokens }
  /** Another owner (process or request) is refreshing right now: wait and ask again. */
  | { kind: 'busy' }
  /** The user has no Tiki tokens any more. */
  | { kind: 'gone' };

export type AuthCodeState = 'pending' | 'succeeded' | 'rejected' | 'failed';

export interface AuthCodeRecord {
  /** sha256 (hex) of the auth code. */
  codeHash: string;
  state: AuthCodeState;
  userId: string | null;
  createdAt: number;
  settledAt: number | null;
  /** Who holds the pending claim (one exchange attempt), and until when; null once settled by an older server. */
  owner: string | null;
  claimExpiresAt: number | null;
}

export interface SessionReadOptions {
  /** Read the user's sealed Tiki tokens in the same query (routes that call Tiki). */
  withTokens?: boolean;
}

export interface Store extends OrderStore, RateLimitStore {
  /** Throws unless the store answers and could take a write now (what /readyz reports). */
  ping(): Promise<void>;
  close(): Promise<void>;
  /** The connection pool now, or null for a store without one (SQLite). Synchronous: read at each scrape. */
  poolStats(): PoolStats | null;

  upsertUser(i: { id: string; tikiCustomerId: number; name: string; now: number }): Promise<UserRecord>;
  getUser(id: string): Promise<UserRecord | null>;

  createSession(s: SessionRecord): Promise<void>;
  findSession(tokenHash: string, o?: SessionReadOptions): Promise<SessionWithUser | null>;
  touchSession(tokenHash: string, now: number): Promise<void>;
  /** Deletes the session and, when it was the user's last one, the user's Tiki tokens (one transaction). */
  deleteSession(tokenHash: string): Promise<void>;

  /**
   * A login's writes in one transaction, one commit: the user (created with `user.id` if the Tiki customer is
   * new, else found and renamed), then the rows `rows` builds for the id of the user it settled on (the sealed
   * tokens are bound to the user id, so they can only be sealed once it is known): the new grant, replacing any previous
   * tokens and lease, and the session opened with it; and, when given, the auth code settled as succeeded for
   * that user if `owner` still holds its claim; and, when given, one hit of the rate-limit key
   * `takeBackAttempt` taken back (the failed-login count of a login that succeeded). A crash never leaves one
   * without the others. `rows` is synchronous and may run more than once (a store may build the rows before its
   * transaction and again if the customer's first login elsewhere gave them another id meanwhile).
   */
  saveLogin(i: {
    user: { id: string; tikiCustomerId: number; name: string };
    rows: (userId: string) => { tokens: SealedTikiTokens; session: SessionRecord };
    code?: { codeHash: string; owner: string };
    takeBackAttempt?: string;
    now: number;
  }): Promise<{ user: UserRecord; tokens: StoredTikiTokens }>;
  /** Stores a new grant (login), replacing any previous tokens and lease; returns it with its generation. */
  saveTikiTokens(userId: string, tokens: SealedTikiTokens, now: number): Promise<StoredTikiTokens>;
  getTikiTokens(userId: string): Promise<StoredTikiTokens | null>;
  /** Deletes the user's tokens if still at `generation` (any generation when omitted); true if deleted. */
  deleteTikiTokens(userId: string, generation?: number): Promise<boolean>;

  /** Atomically (BEGIN IMMEDIATE): take the refresh lease for the generation the caller saw, or say why not. */
  acquireRefreshLease(i: {
    userId: string;
    seenGeneration: number;
    owner: string;
    now: number;
    leaseMs: number;
  }): Promise<RefreshLease>;
  /**
   * Writes refreshed tokens over `generation`, the one refreshed, unless another owner holds a live lease;
   * bumps the generation and frees the lease. Null when the row moved on (a newer login or refresh wins) or is
   * gone: a refresh never overwrites a grant newer than the one it refreshed.
   */
  completeRefresh(i: {
    userId: string;
    generation: number;
    owner: string;
    tokens: SealedTikiTokens;
    now: number;
  }): Promise<StoredTikiTokens | null>;
  releaseRefreshLease(userId: string, owner: string): Promise<void>;

  /**
   * Records a code as pending for `owner` until `now + claimMs` if it was never seen, or takes over a pending
   * claim that has expired (its owner crashed or stalled); else returns what is known about it.
   */
  claimAuthCode(
    codeHash: string,
    claim: { owner: string; now: number; claimMs: number },
  ): Promise<{ claimed: true } | { claimed: false; record: AuthCodeRecord }>;
  /** Settles the code if `owner` still holds its claim (a claim taken over is the new owner's to settle). */
  settleAuthCode(
    codeHash: string,
    owner: string,
    outcome: { state: Exclude<AuthCodeState, 'pending'>; userId: string | null; now: number },
  ): Promise<void>;
  /** Forgets `owner`'s pending claim whose exchange never reached a verdict, so that it can be tried again. */
  releaseAuthCode(codeHash: string, owner: string): Promise<void>;
  getAuthCode(codeHash: string): Promise<AuthCodeRecord | null>;

  /**
   * Deletes expired sessions, auth code records older than `codesBefore`, the Tiki tokens of users left
   * with no session (nothing of ours can use them any more), and orders still `creating` from before
   * `codesBefore` (their create call died with its process; nothing was paid, Tiki never gave an id), and
   * request-limit windows that have ended.
   */
  prune(i: {
    now: number;
    idleTimeoutMs: number;
    codesBefore: number;
  }): Promise<{ sessions: number; codes: number; tikiTokens: number; orders: number; rateLimits: number }>;
}
