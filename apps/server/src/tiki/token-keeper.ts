/**
 * Keeps each user's Tiki tokens usable and refreshes them exactly once, however many requests need them at
 * the same moment and however many server processes share the store:
 *
 * - in this process, one refresh per user at a time (a shared promise: the 49 other requests await it);
 * - across processes, a lease on the user's token row (refresh-lease.ts); a process that finds the lease held
 *   waits until the holder writes the next generation and then uses that, without calling Tiki.
 *
 * This file is the policy: when to refresh, and what each failure means (isTransient and isTokenRefused from
 * the platform package decide "try later" and "the token is dead").
 *
 * Refresh happens ahead of expiry (`refreshMarginMs`) when a request needs the token, and once reactively
 * when Tiki answers invalid_token for an access token we believed valid (revoked, clocks apart).
 *
 * Failure policy, and why it cannot loop:
 * - Tiki says the refresh token is dead (invalid_token): the user's tokens are deleted and the answer is
 *   tiki_reauth_required. Later requests find no tokens and get the same answer without calling Tiki.
 * - The refresh outcome is unknown (timeout, connection dropped, 5xx): Tiki may have rotated the refresh
 *   token and the response was lost, or may never have seen the request. We cannot tell, so we keep the old
 *   tokens, free the lease and answer upstream_unavailable. The next request refreshes once more: if Tiki had
 *   not committed, that succeeds; if it had, the old refresh token is dead, Tiki says invalid_token, and we
 *   land in the case above (tokens deleted, consent asked again). So a lost refresh costs the user at most one
 *   503 and one consent, never a loop, and never more than one extra refresh call.
 * - No refresh token at all (scope `offline` not granted): tiki_reauth_required when the access token expires.
 * - An early refresh (inside the margin, token not yet expired) whose outcome is unknown does not fail the
 *   request: the still-valid access token serves it, and the next request tries the refresh again.
 */
import type { TikiClient, TikiGrant } from '@tini-starter/tiki-platform/client';
import type { Clock } from '@tini-starter/tiki-platform/clock';
import { isTokenRefused, isTransient } from '@tini-starter/tiki-platform/errors';
import type { Logger } from 'pino';
import {
  type SealedTikiTokens,
  StorageUnavailableError,
  type Store,
  type StoredTikiTokens,
} from '../store/store.ts';
import { TikiAccessError } from './errors.ts';
import { createRefreshLeases } from './refresh-lease.ts';
import type { TokenCipher } from './token-cipher.ts';
import {
  type OpenedTikiTokens,
  openAccessToken,
  openTikiTokens,
  sealTikiTokens,
  type UsableTikiTokens,
} from './token-vault.ts';

export interface TikiTokenKeeperOptions {
  store: Store;
  cipher: TokenCipher;
  tiki: TikiClient;
  clock: Clock;
  logger: Logger;
  /** Refresh when the access token expires within this margin (ms). */
  refreshMarginMs: number;
  /** How long a cross-process refresh lease lasts; longer than one refresh call can take. */
  leaseMs: number;
}

export interface UseOptions {
  /** Answer scope_missing without calling Tiki when the user did not grant this scope. */
  requireScope?: string;
  /**
   * The request's logger, so that refresh lines carry its request id; asked for only when there is a line to
   * write (a request's redacting logger is made on first use, and most requests never need it).
   */
  log?: () => Logger;
  /** The request's id, sent to Tiki with a refresh this request makes (see CallOptions). */
  requestId?: string;
  /**
   * The user's tokens as the request's session read found them (null: none), so that the common case reads the
   * database once per request. Without it they are read here.
   */
  stored?: StoredTikiTokens | null;
}

export interface TikiTokenKeeper {
  /** The tokens of a fresh grant (login), sealed for the store (the login stores them with its session). */
  sealGrant(userId: string, grant: TikiGrant, scopes: string[]): SealedTikiTokens;
  /** Calls `use` with a valid access token, refreshing ahead of expiry or once when Tiki rejects it. */
  withAccessToken<T>(userId: string, use: (accessToken: string) => Promise<T>, o?: UseOptions): Promise<T>;
  /** The scopes the user granted, or null when no Tiki tokens are stored. No decryption, no Tiki call. */
  grantedScopes(userId: string): Promise<string[] | null>;
}

/**
 * After an early refresh whose outcome was unknown (Tiki down, slow, failing), the next early attempt for that
 * user waits this long, so that requests are not each held for a full deadline while the token still works.
 */
const EARLY_REFRESH_BACKOFF_MS = 30_000;

const reauthRequired = (message: string) => new TikiAccessError('consent_required', message);
const noConsentStored = () =>
  reauthRequired('No Tiki consent is stored for this user; ask for consent again');

/** Tiki unreachable, slow or failing, another instance's refresh outlasting our wait, or our database busy. */
function isWorthTryingLater(err: unknown): boolean {
  return (
    isTransient(err) ||
    (err instanceof TikiAccessError && err.kind === 'refresh_still_running') ||
    err instanceof StorageUnavailableError
  );
}

export function createTikiTokenKeeper(o: TikiTokenKeeperOptions): TikiTokenKeeper {
  const { store, cipher, tiki, clock } = o;
  const inflight = new Map<string, Promise<OpenedTikiTokens>>();
  const leases = createRefreshLeases({ store, clock, leaseMs: o.leaseMs });
  /** Per user, in this process: no early refresh before this instant, after one whose outcome was unknown. */
  const earlyRefreshBackoff = new Map<string, number>();

  /**
   * An expired token is always refreshed. Ahead of expiry, only when there is a refresh token (without
   * `offline` the token serves until it actually expires), not while backing off after an early refresh whose
   * outcome was unknown, and within a margin adapted to the token's lifetime: at most half of it, so that a
   * Tiki `expires_in` at or below TIKI_REFRESH_MARGIN_MS does not make every request refresh.
   */
  function needsRefresh(userId: string, tokens: UsableTikiTokens, now: number): boolean {
    if (tokens.accessExpiresAt <= now) return true;
    if (!tokens.hasRefreshToken) return false;
    const lifetimeMs = tokens.accessExpiresAt - tokens.issuedAt;
    const marginMs = Math.min(o.refreshMarginMs, lifetimeMs / 2);
    if (tokens.accessExpiresAt - marginMs > now) return false;
    const backoffUntil = earlyRefreshBackoff.get(userId);
    if (backoffUntil === undefined) return true;
    if (backoffUntil > now) return false;
    earlyRefreshBackoff.delete(userId);
    return true;
  }

  async function current(
    userId: string,
    known: StoredTikiTokens | null | undefined,
  ): Promise<UsableTikiTokens> {
    const stored = known === undefined ? await store.getTikiTokens(userId) : known;
    if (!stored) throw noConsentStored();
    return openAccessToken(cipher, stored);
  }

  /** One refresh of the generation the caller saw, shared by every caller in this process. */
  /** The refresh's request context: its logger and the id sent to Tiki (the first caller's, when shared). */
  type RefreshCaller = { log: Logger; requestId: string | undefined };

  async function refresh(
    userId: string,
    seenGeneration: number,
    caller: RefreshCaller,
  ): Promise<OpenedTikiTokens> {
    const running = inflight.get(userId);
    if (running) {
      const tokens = await running;
      if (tokens.generation > seenGeneration) return tokens;
    }
    let flight = inflight.get(userId);
    if (!flight) {
      flight = refreshAcrossProcesses(userId, seenGeneration, caller).finally(() => inflight.delete(userId));
      inflight.set(userId, flight);
    }
    return flight;
  }

  async function refreshAcrossProcesses(
    userId: string,
    seen: number,
    caller: RefreshCaller,
  ): Promise<OpenedTikiTokens> {
    const { log } = caller;
    const lease = await leases.acquire(userId, seen, log);
    switch (lease.kind) {
      case 'gone':
        throw noConsentStored();
      case 'advanced':
        log.debug(
          { userId, generation: lease.tokens.generation },
          'tiki token refreshed elsewhere; using it',
        );
        return openTikiTokens(cipher, lease.tokens);
      case 'acquired': {
        let tokens: OpenedTikiTokens;
        try {
          tokens = openTikiTokens(cipher, lease.tokens);
        } catch (err) {
          await store.releaseRefreshLease(userId, lease.owner);
          throw err;
        }
        return refreshHoldingLease(userId, tokens, lease.owner, caller);
      }
    }
  }

  async function refreshHoldingLease(
    userId: string,
    tokens: OpenedTikiTokens,
    owner: string,
    caller: RefreshCaller,
  ): Promise<OpenedTikiTokens> {
    const { log, requestId } = caller;
    if (tokens.refreshToken === null) {
      await store.deleteTikiTokens(userId, tokens.generation);
      log.info({ userId }, 'tiki access token expired and no refresh token was granted (no offline scope)');
      throw reauthRequired(
        'The Tiki access token expired and no refresh token was granted; ask for consent again',
      );
    }
    let grant: TikiGrant;
    try {
      grant = await tiki.refreshToken(
        tokens.refreshToken,
        requestId === undefined ? undefined : { requestId },
      );
    } catch (err) {
      if (isTokenRefused(err)) {
        await store.deleteTikiTokens(userId, tokens.generation);
        log.info({ userId }, 'tiki refused the refresh token; tokens deleted, consent needed again');
        throw reauthRequired('Tiki no longer accepts this user’s refresh token; ask for consent again');
      }
      // Outcome unknown or not about the token: keep the tokens, free the lease (see the header comment).
      await store.releaseRefreshLease(userId, owner);
      log.warn({ userId, err }, 'tiki token refresh failed; tokens kept for the next attempt');
      throw err;
    }
    const now = clock.now();
    const sealed = sealTikiTokens(cipher, userId, {
      accessToken: grant.accessToken,
      refreshToken: grant.refreshToken ?? tokens.refreshToken,
      accessExpiresAt: now + grant.expiresIn * 1000,
      scopes: grant.scopes.length > 0 ? grant.scopes : tokens.scopes,
    });
    const generation = tokens.generation;
    const saved = await store.completeRefresh({ userId, generation, owner, tokens: sealed, now });
    if (saved) {
      log.info({ userId, generation: saved.generation }, 'tiki access token refreshed');
      return openTikiTokens(cipher, saved);
    }
    // The row moved on while Tiki answered: a fresh login (or another instance, after our lease expired) wrote
    // a newer grant. The newer one wins; what we got from Tiki is dropped.
    const newer = await store.getTikiTokens(userId);
    if (!newer) throw noConsentStored();
    log.warn(
      { userId, generation: newer.generation },
      'a newer tiki grant was stored during the refresh; using it',
    );
    return openTikiTokens(cipher, newer);
  }

  return {
    sealGrant(userId, grant, scopes) {
      return sealTikiTokens(cipher, userId, {
        accessToken: grant.accessToken,
        refreshToken: grant.refreshToken,
        accessExpiresAt: clock.now() + grant.expiresIn * 1000,
        scopes,
      });
    },

    async grantedScopes(userId) {
      return (await store.getTikiTokens(userId))?.scopes ?? null;
    },

    async withAccessToken(userId, use, options = {}) {
      const log = options.log ?? (() => o.logger);
      const stored = await current(userId, options.stored);
      if (options.requireScope !== undefined && !stored.scopes.includes(options.requireScope)) {
        throw new TikiAccessError(
          'scope_missing',
          `The user did not grant the scope "${options.requireScope}"`,
        );
      }
      let tokens: Pick<OpenedTikiTokens, 'accessToken' | 'accessExpiresAt' | 'generation'> = stored;
      let refreshed = false;
      if (needsRefresh(userId, stored, clock.now())) {
        try {
          tokens = await refresh(userId, tokens.generation, { log: log(), requestId: options.requestId });
          refreshed = true;
          earlyRefreshBackoff.delete(userId);
        } catch (err) {
          // Ahead of expiry the current token still works: Tiki being down or slow for the early refresh must
          // not fail a request that can be served. A dead refresh token (reauth) or an expired token still fails.
          if (!isWorthTryingLater(err) || tokens.accessExpiresAt <= clock.now()) throw err;
          earlyRefreshBackoff.set(userId, clock.now() + EARLY_REFRESH_BACKOFF_MS);
          log().warn({ userId }, 'early tiki token refresh failed; using the still-valid access token');
        }
      }
      try {
        return await use(tokens.accessToken);
      } catch (err) {
        if (!isTokenRefused(err)) throw err;
        if (!refreshed) {
          log().info({ userId }, 'tiki rejected an unexpired access token; refreshing once');
          tokens = await refresh(userId, tokens.generation, { log: log(), requestId: options.requestId });
          try {
            return await use(tokens.accessToken);
          } catch (again) {
            if (!isTokenRefused(again)) throw again;
          }
        }
        // Tiki rejects a token it has just issued: nothing left to try without the user.
        await store.deleteTikiTokens(userId, tokens.generation);
        throw reauthRequired('Tiki rejects this user’s tokens; ask for consent again');
      }
    },
  };
}
