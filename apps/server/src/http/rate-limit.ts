/**
 * express-rate-limit, set up the one way this server uses it: a fixed window kept in this process's memory,
 * the standard RateLimit headers, and `rate_limited` (429, with Retry-After) in the API's error shape.
 */
import type { RequestHandler } from 'express';
import { type Options, rateLimit } from 'express-rate-limit';
import { ApiError } from './api-error.ts';

export function limitRequests(o: {
  max: number;
  windowMs: number;
  /** Said to the mini app in the 429's message. */
  message: string;
  /** Who is counted; default the client IP (as `trust proxy` sees it). */
  keyGenerator?: Options['keyGenerator'];
  /** Count only failed requests (status >= 400). */
  failuresOnly?: boolean;
}): RequestHandler {
  return rateLimit({
    windowMs: o.windowMs,
    limit: o.max,
    skipSuccessfulRequests: o.failuresOnly ?? false,
    ...(o.keyGenerator ? { keyGenerator: o.keyGenerator } : {}),
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    handler: (_req, _res, next) => next(new ApiError('rate_limited', o.message)),
  });
}
