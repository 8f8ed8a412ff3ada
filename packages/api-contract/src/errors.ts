// zod/mini keeps the mini app's bundle small (Tiki's package budget); the server uses the same schemas.
import * as z from 'zod/mini';

/**
 * Every error the server answers, with the HTTP status it always comes with.
 * The mini app decides what to do from `code` alone; `message` is for people and logs.
 */
export const ERROR_STATUS = {
  invalid_request: 400,
  invalid_auth_code: 401,
  unauthenticated: 401,
  tiki_reauth_required: 401,
  scope_missing: 403,
  not_found: 404,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
  upstream_unavailable: 503,
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
