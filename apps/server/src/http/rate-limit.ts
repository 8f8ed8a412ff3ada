/**
 * Request limits: a fixed window per key, counted in the server's store, so that every process sharing the
 * database counts together (a limit kept in each process's memory would let N processes allow N times as much).
 * Every answer carries the IETF draft-7 headers (`RateLimit-Policy: 20;w=60`, `RateLimit: limit=20,
 * remaining=19, reset=60`); past the limit the request is `rate_limited` (429) in the API's error shape, with
 * `Retry-After` in seconds. A store that cannot count (busy past its deadline, gone) fails the request with
 * `storage_unavailable`; a request never passes uncounted.
 *
 * Written here rather than taken from express-rate-limit, which this server used before: the per-user limit
 * runs on every request that calls Tiki, and express-rate-limit's four awaits, debug calls and per-request
 * checks cost a visible share of the bench's `GET /api/profile` row.
 */
import { isIPv4 } from 'node:net';
import type { Clock } from '@tini-starter/tiki-platform/clock';
import type { Request, RequestHandler, Response } from 'express';
import ipaddr from 'ipaddr.js';
import type { RateLimitHits, RateLimitStore } from '../store/rate-limits.ts';
import { ApiError } from './api-error.ts';
import { sessionOf } from './authenticate.ts';

/** Where limits are counted: the server's store, on the server's clock. */
export interface SharedLimits {
  store: RateLimitStore;
  clock: Clock;
  /** Told of each request a limiter refuses, by the limiter's name. */
  refused?: (limiter: string) => void;
}

/**
 * IPv6 clients are counted by their /56: one subscriber usually holds a whole /56 or /48 and could otherwise
 * take a new address for every request. IPv4 clients, also when seen as IPv4-mapped IPv6
 * (`::ffff:203.0.113.7` on a dual-stack socket), by their address.
 */
const IPV6_PREFIX_BITS = 56;

/** How a dual-stack socket shows an IPv4 client. */
const IPV4_MAPPED = '::ffff:';

/** The key a client address is counted under (see IPV6_PREFIX_BITS). */
export function clientAddressKey(ip: string | undefined): string {
  if (ip === undefined) return 'unknown';
  // Most clients, without ipaddr.js's parsers (several times slower for the common IPv4 case).
  if (isIPv4(ip)) return ip;
  if (ip.startsWith(IPV4_MAPPED) && isIPv4(ip.slice(IPV4_MAPPED.length))) return ip.slice(IPV4_MAPPED.length);
  if (!ipaddr.isValid(ip)) return 'unknown'; // one bucket: not a way to a fresh key per request
  const address = ipaddr.process(ip); // IPv4-mapped IPv6 becomes IPv4
  if (address.kind() === 'ipv4') return address.toString();
  const mask = ipaddr.IPv6.subnetMaskFromPrefixLength(IPV6_PREFIX_BITS).toByteArray();
  const network = address.toByteArray().map((byte, i) => byte & (mask[i] ?? 0));
  return `${ipaddr.fromByteArray(network).toString()}/${IPV6_PREFIX_BITS}`;
}

/** The state a failures-only limiter keeps on the response: its count's key, and whether the route took it back. */
interface Counted {
  key: string;
  resetAt: number;
  takenBack: boolean;
}

const countedProperty = (name: string) => `rateLimit:${name}`;

export function limitRequests(o: {
  /** Names the limiter in the store (its keys are `name:key`). */
  name: string;
  shared: SharedLimits;
  max: number;
  windowMs: number;
  /** Said to the mini app in the 429's message. */
  message: string;
  /** Who is counted; default the client address (as `trust proxy` sees it, see clientAddressKey). */
  key?: (req: Request, res: Response) => string;
  /**
   * Count only failed requests (status >= 400, or the client gone before the answer was complete): every
   * request is counted when it arrives, so that a burst of concurrent attempts is counted before any of them
   * ends, and a success is taken back when it ends, unless the route took it back already in its own
   * transaction (countedAttempt, attemptTakenBack).
   */
  failuresOnly?: boolean;
}): RequestHandler {
  const { store, clock } = o.shared;
  const keyOf = o.key ?? ((req: Request) => clientAddressKey(req.ip));
  const policy = `${o.max};w=${Math.ceil(o.windowMs / 1000)}`;
  const counted = countedProperty(o.name);

  const decide = (res: Response, next: (err?: unknown) => void, key: string, hit: RateLimitHits) => {
    const now = clock.now();
    const resetSeconds = Math.max(0, Math.ceil((hit.resetAt - now) / 1000));
    res.setHeader('RateLimit-Policy', policy);
    res.setHeader(
      'RateLimit',
      `limit=${o.max}, remaining=${Math.max(o.max - hit.hits, 0)}, reset=${resetSeconds}`,
    );
    if (o.failuresOnly === true) {
      const state: Counted = { key, resetAt: hit.resetAt, takenBack: false };
      res.locals[counted] = state;
      res.once('finish', () => takeBackSuccess(res, state));
    }
    if (hit.hits > o.max) {
      o.shared.refused?.(o.name);
      res.setHeader('Retry-After', String(resetSeconds));
      next(new ApiError('rate_limited', o.message));
      return;
    }
    next();
  };

  const takeBackSuccess = (res: Response, state: Counted) => {
    if (res.statusCode >= 400 || state.takenBack) return;
    const now = clock.now();
    if (now >= state.resetAt) return; // the window it was counted in is over
    store.unhitRateLimit(state.key, now).catch((err: unknown) => {
      res.req.log.warn({ err, limiter: o.name }, 'a successful request’s count could not be taken back');
    });
  };

  return (req, res, next) => {
    const key = `${o.name}:${keyOf(req, res)}`;
    const now = clock.now();
    store.hitRateLimit(key, o.windowMs, now).then((found) => decide(res, next, key, found), next);
  };
}

/**
 * The store key under which limiter `name` (failuresOnly) counted this request, for a route that takes the count
 * back in its own transaction when it succeeds (the login does, with its other writes: one commit fewer).
 */
export function countedAttempt(res: Response, name: string): string | undefined {
  return (res.locals[countedProperty(name)] as Counted | undefined)?.key;
}

/** Says that the route took this request's count back itself, so that the limiter does not do it again. */
export function attemptTakenBack(res: Response, name: string): void {
  const state = res.locals[countedProperty(name)] as Counted | undefined;
  if (state !== undefined) state.takenBack = true;
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
    key: (_req, res) => sessionOf(res).userId,
  });
}
