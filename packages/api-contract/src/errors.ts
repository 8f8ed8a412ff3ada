// zod/mini keeps the mini app's bundle small (Tiki's package budget); the server uses the same schemas.
import * as z from 'zod/mini';

/**
 * Every error the server answers, with the HTTP status it always comes with.
 * The mini app decides what to do from `code` alone; `message` is for people and logs.
 */
export const ERROR_STATUS = {
  /** The body or parameters are wrong; `details` holds the zod issues. A bug in the caller: do not retry. */
  invalid_request: 400,
  /** The auth code is unknown, expired or already used: call my.getAuthCode again, then log in. */
  invalid_auth_code: 401,
  /** No session, or it is unknown, expired or logged out: log in again (a new auth code). */
  unauthenticated: 401,
  /** Tiki no longer accepts the user's consent (revoked, or no refresh possible): ask for consent again. */
  tiki_reauth_required: 401,
  /** The user did not grant the scope this needs: explain, and ask for it with my.getAuthCode if wanted. */
  scope_missing: 403,
  not_found: 404,
  /** A cart names a product the catalogue does not have (it was removed): reload the products. */
  unknown_product: 400,
  /** The order's total is above Tiki's cap for one order (10,000,000 VND unless Console raised it). */
  order_amount_limit_exceeded: 422,
  /** The same Idempotency-Key came with another cart: a bug in the caller, use a new key. */
  idempotency_key_reused: 422,
  /** The order with this Idempotency-Key is still being created: ask again in a moment. */
  order_in_progress: 409,
  /** The order is paid (or completed): it can no longer be canceled from the app. */
  order_not_cancelable: 409,
  /** Tiki refused the order for a reason the user cannot fix (a product or seller problem at Tiki). */
  tiki_order_refused: 502,
  /** (IPN only) The X-Tiniapp-* signature does not verify: not Tiki, or not signed with our key pair. */
  invalid_signature: 401,
  payload_too_large: 413,
  unsupported_media_type: 415,
  /** Too many attempts from this client: wait for the `Retry-After` header's seconds. */
  rate_limited: 429,
  /** A server bug or misconfiguration; nothing the mini app can fix. */
  internal: 500,
  /** Tiki is down, failing or too slow: the session is fine, try again later. */
  upstream_unavailable: 503,
  /** Our database is busy (locked by another process) or gone; nothing was changed: try again shortly. */
  storage_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export const ErrorCodeSchema = z.enum(Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]]);

export const ErrorBodySchema = z.object({
  error: z.object({
    code: ErrorCodeSchema,
    message: z.string(),
    details: z.optional(z.unknown()),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

/** Codes after which the mini app must obtain a new auth code (consent) and log in again. */
export const RELOGIN_CODES: readonly ErrorCode[] = ['unauthenticated', 'tiki_reauth_required'];
