/**
 * Login: exchange the mini app's auth code with Tiki exactly once, identify the user (/oauth/me), keep Tiki's
 * tokens (encrypted) and open a session.
 *
 * A code is exchanged once. Concurrent submissions of one code in this process share one exchange (each gets
 * its own session); a submission that finds the code pending in another process waits for that process's
 * outcome. A submission after the outcome is known is refused here with invalid_auth_code, without calling
 * Tiki: Tiki treats a reused code as an attack and may revoke what it issued for it, which would log out the
 * user's first, legitimate login. The store remembers codes (as sha256) across restarts and processes.
 *
 * When the exchange got no grant and Tiki did not say invalid_code (timeout, connection dropped, 5xx, or Tiki
 * refusing our signature while the server is misconfigured) the claim is released: the code may still be
 * unused at Tiki, and if it was used, Tiki answers invalid_code on the retry. Once a grant arrived the code is
 * spent: if /oauth/me then fails, the code is settled 'failed' and a retry is refused here.
 */

import { randomUUID } from 'node:crypto';
import type { TikiClient, TikiGrant } from '@tini-starter/tiki-platform/client';
import type { Clock } from '@tini-starter/tiki-platform/clock';
import { TikiApiError } from '@tini-starter/tiki-platform/errors';
import { TIKI_ERROR_REASONS } from '@tini-starter/tiki-platform/schemas';
import type { Logger } from 'pino';
import type { AuthCodeRecord, Store, UserRecord } from '../store/store.ts';
import type { TikiTokenKeeper } from '../tiki/token-keeper.ts';
import { AuthError } from './errors.ts';
import { hashSecret } from './secrets.ts';
import type { Sessions } from './sessions.ts';

export interface LoginResult {
  token: string;
  expiresAt: number;
  user: UserRecord;
  scopes: string[];
  /** The caller's counted attempt (Caller.countedAttempt) was taken back with the login's writes. */
  attemptTakenBack: boolean;
}

interface Exchanged {
  user: UserRecord;
  scopes: string[];
  /**
   * The session stored with the grant, in one transaction, for the submission that ran the exchange (others
   * sharing it open their own): the user's tokens never exist without a session, since ending a user's last
   * session deletes their tokens and a login racing it must not lose its own, and a crash never leaves a
   * session without tokens. That transaction also took back that submission's counted attempt.
   */
  takeSession(caller: Caller): { token: string; expiresAt: number } | null;
}

export interface LoginOptions {
  /** Where the line that records a login goes (with the request id, user id and scopes). */
  logger: Logger;
  store: Store;
  tiki: TikiClient;
  keeper: TikiTokenKeeper;
  sessions: Sessions;
  clock: Clock;
  /**
   * How long a claim on a code lasts (ms): the exchange's deadline, /oauth/me with its retries, and a margin.
   * A claim still pending after that belongs to a crashed or stalled instance and is taken over.
   */
  pendingWaitMs: number;
  /** Sessions idle this long are pruned. */
  sessionIdleTimeoutMs: number;
}

const PRUNE_EVERY_MS = 10 * 60_000;
/** Poll interval while waiting for another process's exchange (real time: the other process's progress). */
const PENDING_POLL_MS = 50;
/** A waiter keeps looking this long past the claim's lifetime, so that it sees an expired claim and takes it. */
const TAKEOVER_SLACK_MS = 2000;
/**
 * How long a used code is remembered. Tiki's codes die after about a minute, so a week is far past any
 * legitimate retry; afterwards a resubmission reaches Tiki, which refuses the dead code itself.
 */
export const CODE_MEMORY_MS = 7 * 24 * 3600_000;

const alreadyUsed = () => new AuthError('code_refused', 'This auth code was already used; get a new one');

/** Who asks: the request's logger, and its id, which goes to Tiki with every call made for it. */
export interface Caller {
  /** Read only when a line is written (a request's logger costs more than most lines). */
  readonly log: Logger;
  requestId: string;
  /**
   * The rate-limit key under which this attempt was counted as a failure until it succeeds (the login
   * limiter's): a successful exchange takes it back in its own transaction.
   */
  countedAttempt?: string;
}

export function createLogin(o: LoginOptions): (authCode: string, caller: Caller) => Promise<LoginResult> {
  const { store, tiki, keeper, sessions, clock } = o;
  // The exchanges running in this process, by code hash, each through a holder emptied when it ends. A Map that
  // gains and loses an entry per login gets its table rebuilt every few dozen logins, and a table left in the
  // old generation still points at what it held: holding the exchange directly kept each finished login's
  // request (through the exchange's promise and closures) alive until a full collection. See http/request-caller.ts
  // for what that cost.
  const inflight = new Map<string, { flight: Promise<Exchanged> | null }>();

  async function exchange(code: string, codeHash: string, owner: string, caller: Caller): Promise<Exchanged> {
    const { requestId } = caller;
    let grant: TikiGrant;
    try {
      grant = await tiki.exchangeAuthCode(code, { requestId });
    } catch (err) {
      // Only invalid_code says the code itself is dead. Any other failure before a grant (Tiki unreachable,
      // slow, 5xx, or refusing *our* request: signature, timestamp, client id) leaves a code Tiki has not
      // consumed, or one it will refuse on the retry: release it rather than burn the user's consent.
      if (err instanceof TikiApiError && err.reason === TIKI_ERROR_REASONS.invalidCode) {
        await store.settleAuthCode(codeHash, owner, { state: 'rejected', userId: null, now: clock.now() });
      } else {
        await store.releaseAuthCode(codeHash, owner);
      }
      throw err;
    }
    try {
      const info = await tiki.getTokenInfo(grant.accessToken, { requestId });
      // The user, the grant sealed for them, the session, the code's outcome and the take-back of the counted
      // attempt: one transaction, one commit.
      let session: { token: string; expiresAt: number } | null = null;
      const { user } = await store.saveLogin({
        user: { id: randomUUID(), tikiCustomerId: info.customerId, name: info.customerName },
        rows: (userId) => {
          const minted = sessions.mint(userId);
          session = { token: minted.token, expiresAt: minted.expiresAt };
          return { tokens: keeper.sealGrant(userId, grant, info.scopes), session: minted.record };
        },
        code: { codeHash, owner },
        ...(caller.countedAttempt ? { takeBackAttempt: caller.countedAttempt } : {}),
        now: clock.now(),
      });
      o.logger.info({ reqId: requestId, userId: user.id, scopes: info.scopes }, 'tiki auth code exchanged');
      const takeSession = (taker: Caller) => {
        if (taker !== caller) return null;
        const taken = session;
        session = null;
        return taken;
      };
      return { user, scopes: info.scopes, takeSession };
    } catch (err) {
      // The code is spent at Tiki; a retry with it could only be refused (or revoke what was issued).
      await store.settleAuthCode(codeHash, owner, { state: 'failed', userId: null, now: clock.now() });
      throw err;
    }
  }

  /** Runs this process's exchange of a code it holds the claim on, shared by concurrent submissions here. */
  function startExchange(code: string, codeHash: string, owner: string, caller: Caller): Promise<Exchanged> {
    const running: { flight: Promise<Exchanged> | null } = { flight: null };
    const flight = exchange(code, codeHash, owner, caller).finally(() => {
      running.flight = null;
      inflight.delete(codeHash);
    });
    running.flight = flight;
    inflight.set(codeHash, running);
    return flight;
  }

  /** What a settled claim means for a submission that waited for it. */
  async function outcomeOf(record: AuthCodeRecord): Promise<Exchanged> {
    if (record.state !== 'succeeded' || record.userId === null) throw alreadyUsed();
    const user = await store.getUser(record.userId);
    if (!user) throw alreadyUsed();
    return { user, scopes: (await keeper.grantedScopes(user.id)) ?? [], takeSession: () => null };
  }

  /**
   * Another process holds the claim: wait for its outcome, or take the claim over once it expires (its owner
   * crashed or stalled mid-exchange) and exchange the code here. Bounded in real time as well, since a manual
   * clock in tests never expires a claim by itself.
   */
  async function awaitOrTakeOver(
    code: string,
    codeHash: string,
    first: AuthCodeRecord,
    caller: Caller,
  ): Promise<Exchanged> {
    const { log } = caller;
    if (first.state !== 'pending') throw alreadyUsed();
    const maxPolls = Math.ceil((o.pendingWaitMs + TAKEOVER_SLACK_MS) / PENDING_POLL_MS);
    let record: AuthCodeRecord | null = first;
    for (let poll = 0; ; poll++) {
      if (record === null) {
        throw new AuthError(
          'exchange_unfinished',
          'Tiki did not complete the exchange of this code; try again',
        );
      }
      if (record.state !== 'pending') return outcomeOf(record);
      if ((record.claimExpiresAt ?? 0) <= clock.now()) {
        const owner = randomUUID();
        const claim = await store.claimAuthCode(codeHash, {
          owner,
          now: clock.now(),
          claimMs: o.pendingWaitMs,
        });
        if (claim.claimed) {
          log.warn(
            'an auth code claim expired unsettled (a crashed or stalled instance); exchanging it here',
          );
          return startExchange(code, codeHash, owner, caller);
        }
        record = claim.record;
        continue;
      }
      if (poll === 0) log.debug('auth code is being exchanged by another instance; waiting for its outcome');
      if (poll >= maxPolls) {
        throw new AuthError(
          'exchange_unfinished',
          'The exchange of this code did not finish in time; try again',
        );
      }
      await new Promise((resolve) => setTimeout(resolve, PENDING_POLL_MS));
      record = await store.getAuthCode(codeHash);
    }
  }

  async function exchangeOnce(code: string, caller: Caller): Promise<Exchanged> {
    const codeHash = hashSecret(code);
    const running = inflight.get(codeHash)?.flight;
    if (running) return running;
    const owner = randomUUID();
    const claim = await store.claimAuthCode(codeHash, { owner, now: clock.now(), claimMs: o.pendingWaitMs });
    const joined = inflight.get(codeHash)?.flight;
    if (joined) return joined;
    if (!claim.claimed) return awaitOrTakeOver(code, codeHash, claim.record, caller);
    return startExchange(code, codeHash, owner, caller);
  }

  // Expired sessions and old code records are pruned now and then, on the login path (no timer to manage).
  let lastPruneAt = Number.NEGATIVE_INFINITY;
  async function pruneNowAndThen(caller: Caller): Promise<void> {
    const now = clock.now();
    if (now - lastPruneAt < PRUNE_EVERY_MS) return;
    lastPruneAt = now;
    const pruned = await store.prune({
      now,
      idleTimeoutMs: o.sessionIdleTimeoutMs,
      codesBefore: now - CODE_MEMORY_MS,
    });
    if (pruned.sessions + pruned.codes + pruned.tikiTokens + pruned.orders > 0)
      caller.log.info(
        pruned,
        'pruned expired sessions, old auth codes, tokens no session can use, dead order creations',
      );
  }

  return async (authCode, caller) => {
    await pruneNowAndThen(caller);
    const exchanged = await exchangeOnce(authCode, caller);
    const { user, scopes } = exchanged;
    const stored = exchanged.takeSession(caller);
    const session = stored ?? (await sessions.open(user.id));
    return {
      token: session.token,
      expiresAt: session.expiresAt,
      user,
      scopes,
      attemptTakenBack: stored !== null && caller.countedAttempt !== undefined,
    };
  };
}
