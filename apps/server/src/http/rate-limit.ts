/**
 * express-rate-limit, set up the one way this server uses it: a fixed window counted in the server's store, so
 * that every process sharing the database counts together (a limit kept in each process's memory would let N
 * processes allow N times as much); the standard RateLimit headers, and `rate_limited` (429, with Retry-After)
 * in the API's error shape. A store that cannot count (busy, gone) makes the request fail with
 * `storage_unavailable`, never pass uncounted.
 */
import type { Clock } from '@tini-starter/tiki-platform/clock';
import type { Request, RequestHandler, Response } from 'express';
import { type Store as LimitStore, type Options, type RateLimitInfo, rateLimit } from 'express-rate-limit';
import type { RateLimitStore } from '../store/rate-limits.ts';
import { ApiError } from './api-error.ts';
import { sessionOf } from './authenticate.ts';

/** Where limits are counted: the server's store, on the server's clock. */
export interface SharedLimits {
  store: RateLimitStore;
  clock: Clock;
}

/** The key a limiter's count has in the store: `name` keeps each limiter's keys apart. */
const storeKey = (name: string, key: string) => `${name}:${key}`;
/** Where each limiter puts its info on the request (express-rate-limit's `requestPropertyName`). */
const infoProperty = (name: string) => `rateLimit_${name}`;

/** express-rate-limit's store over ours. */
function countedIn(shared: SharedLimits, name: string): LimitStore {
  const prefix = storeKey(name, '');
  let windowMs = 60_000;
  return {
    prefix,
    localKeys: false,
    init(options) {
      windowMs = options.windowMs;
    },
    async increment(key) {
      const { hits, resetAt } = await shared.store.hitRateLimit(prefix + key, windowMs, shared.clock.now());
      return { totalHits: hits, resetTime: new Date(resetAt) };
    },
    async decrement(key) {
      await shared.store.unhitRateLimit(prefix + key, shared.clock.now());
    },
    async resetKey(key) {
      await shared.store.resetRateLimit(prefix + key);
    },
  };
}

export function limitRequests(o: {
  /** Names the limiter in the store (its keys are `name:key`). */
  name: string;
  shared: SharedLimits;
  max: number;
  windowMs: number;
  /** Said to the mini app in the 429's message. */
  message: string;
  /** Who is counted; default the client IP (as `trust proxy` sees it). */
  keyGenerator?: Options['keyGenerator'];
  /**
   * Count only failed requests (status >= 400): every request is counted when it arrives (so that a burst of
   * concurrent attempts is counted before any of them ends) and a success is taken back when it ends, unless
   * the route took it back already in its own transaction (countedAttempt, attemptTakenBack).
   */
  failuresOnly?: boolean;
}): RequestHandler {
  return rateLimit({
    windowMs: o.windowMs,
    limit: o.max,
    requestPropertyName: infoProperty(o.name),
    skipSuccessfulRequests: o.failuresOnly ?? false,
    requestWasSuccessful: (_req, res) => res.statusCode < 400 && res.locals[TAKEN_BACK] !== true,
    ...(o.keyGenerator ? { keyGenerator: o.keyGenerator } : {}),
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    handler: (_req, _res, next) => next(new ApiError('rate_limited', o.message)),
    store: countedIn(o.shared, o.name),
    // A store error goes to the error handler (503 storage_unavailable), not through uncounted.
    passOnStoreError: false,
  });
}

const TAKEN_BACK = 'rateLimitAttemptTakenBack';

/**
 * The store key under which limiter `name` (failuresOnly) counted this request, for a route that takes the count
 * back in its own transaction when it succeeds (the login does, with its other writes: one commit fewer).
 */
export function countedAttempt(req: Request, name: string): string | undefined {
  const info = (req as unknown as Record<string, RateLimitInfo | undefined>)[infoProperty(name)];
  return info ? storeKey(name, info.key) : undefined;
}

/** Says that the route took this request's count back itself, so that the limiter does not do it again. */
export function attemptTakenBack(res: Response): void {
  res.locals[TAKEN_BACK] = true;
}

/**
 * One budget per user for every route that calls Tiki (a user cannot spend the app's Tiki quota), counted by
 * user whatever address the requests come from: placed after authentication.
 */
export function limitTikiCallsPerUser(
  shared: SharedLimits,
  limit: { max: number; windowMs: number },
): RequestHandler {
  return limitRequests({
    name: 'tiki-routes',
    shared,
    ...limit,
    message: 'Too many requests that call Tiki; try again later',
    keyGenerator: (_req, res) => sessionOf(res).userId,
  });
}
