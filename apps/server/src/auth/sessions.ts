/**
 * Our sessions: every login opens a new one; the token is shown once and stored only as its sha256. A session
 * dies at logout, after `idleTimeoutMs` without use, or `maxAgeMs` after login, whichever comes first.
 */
import type { Clock } from '@tini-starter/tiki-platform/clock';
import { ApiError } from '../http/api-error.ts';
import type { SessionReadOptions, SessionRecord, SessionWithUser, Store } from '../store/store.ts';
import { generateSessionToken, hashSecret } from './secrets.ts';

/**
 * Last-seen is written at most this often, so that reads do not all become writes; never more than a tenth of
 * the idle limit, or a session used steadily but less often than the interval would expire while in use.
 */
const TOUCH_INTERVAL_MS = 60_000;
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export interface Sessions {
  /** A new session's token and the record to store for it, without storing it (the login stores it with the grant). */
  mint(userId: string): { token: string; expiresAt: number; record: SessionRecord };
  open(userId: string): Promise<{ token: string; expiresAt: number }>;
  /**
   * The live session for a bearer token, with its user and granted scopes; throws (or rejects with) ApiError
   * unauthenticated otherwise. Synchronous when the store can read synchronously and nothing needs writing (no
   * expiry to delete, no last-seen to touch): most requests, with no promise at all.
   */
  authenticate(token: string | undefined, o?: SessionReadOptions): SessionWithUser | Promise<SessionWithUser>;
  close(session: SessionRecord): Promise<void>;
}

export function createSessions(o: {
  store: Store;
  clock: Clock;
  idleTimeoutMs: number;
  maxAgeMs: number;
}): Sessions {
  const { store, clock } = o;
  const touchIntervalMs = Math.min(TOUCH_INTERVAL_MS, Math.floor(o.idleTimeoutMs / 10));
  const mint = (userId: string) => {
    const token = generateSessionToken();
    const now = clock.now();
    const expiresAt = now + o.maxAgeMs;
    const record = { tokenHash: hashSecret(token), userId, createdAt: now, lastSeenAt: now, expiresAt };
    return { token, expiresAt, record };
  };
  /** What a session read means now: the session, or a write to make first (touch, delete) and then the answer. */
  const settle = (
    tokenHash: string,
    session: SessionWithUser | null,
  ): SessionWithUser | Promise<SessionWithUser> => {
    if (!session) throw new ApiError('unauthenticated', 'The session is unknown or has ended');
    const now = clock.now();
    if (now >= session.expiresAt || now - session.lastSeenAt >= o.idleTimeoutMs) {
      return store.deleteSession(tokenHash).then(() => {
        throw new ApiError('unauthenticated', 'The session has expired');
      });
    }
    if (now - session.lastSeenAt >= touchIntervalMs) {
      return store.touchSession(tokenHash, now).then(() => session);
    }
    return session;
  };

  return {
    mint,

    async open(userId) {
      const { token, expiresAt, record } = mint(userId);
      await store.createSession(record);
      return { token, expiresAt };
    },

    authenticate(token, read) {
      if (token === undefined)
        throw new ApiError('unauthenticated', 'Send the session token as "Authorization: Bearer <token>"');
      if (!TOKEN_SHAPE.test(token)) throw new ApiError('unauthenticated', 'The session token is not valid');
      const tokenHash = hashSecret(token);
      const found = store.findSessionNow?.(tokenHash, read);
      if (found === undefined) {
        return store.findSession(tokenHash, read).then((session) => settle(tokenHash, session));
      }
      return settle(tokenHash, found);
    },

    async close(session) {
      await store.deleteSession(session.tokenHash);
    },
  };
}
