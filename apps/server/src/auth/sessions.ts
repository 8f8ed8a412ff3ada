/**
 * Our sessions: every login opens a new one; the token is shown once and stored only as its sha256. A session
 * dies at logout, after `idleTimeoutMs` without use, or `maxAgeMs` after login, whichever comes first.
 */
import type { Clock } from '@tini-starter/tiki-platform/clock';
import type { SessionReadOptions, SessionRecord, SessionWithUser, Store } from '../store/store.ts';
import { AuthError } from './errors.ts';
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
   * The live session for a bearer token, with its user and granted scopes; rejects with AuthError
   * no_session otherwise.
   */
  authenticate(token: string | undefined, o?: SessionReadOptions): Promise<SessionWithUser>;
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

  return {
    mint,

    async open(userId) {
      const { token, expiresAt, record } = mint(userId);
      await store.createSession(record);
      return { token, expiresAt };
    },

    async authenticate(token, read) {
      if (token === undefined)
        throw new AuthError('no_session', 'Send the session token as "Authorization: Bearer <token>"');
      if (!TOKEN_SHAPE.test(token)) throw new AuthError('no_session', 'The session token is not valid');
      const tokenHash = hashSecret(token);
      const session = await store.findSession(tokenHash, read);
      if (!session) throw new AuthError('no_session', 'The session is unknown or has ended');
      const now = clock.now();
      if (now >= session.expiresAt || now - session.lastSeenAt >= o.idleTimeoutMs) {
        await store.deleteSession(tokenHash);
        throw new AuthError('no_session', 'The session has expired');
      }
      if (now - session.lastSeenAt >= touchIntervalMs) await store.touchSession(tokenHash, now);
      return session;
    },

    async close(session) {
      await store.deleteSession(session.tokenHash);
    },
  };
}
