/**
 * How Tiki's failures become answers to the mini app. One place, so that every route says the same thing:
 * Tiki unreachable, slow or failing -> upstream_unavailable (503); Tiki refusing the user's token ->
 * tiki_reauth_required; Tiki refusing *our* request (signature, client id) -> internal, because the mini app
 * can do nothing about a misconfigured server (the log says what to fix).
 */

import type { ErrorCode } from '@tini-starter/api-contract/errors';
import { isTransient, TikiApiError, TikiTimeoutError } from '@tini-starter/tiki-platform/errors';
import { TIKI_ERROR_REASONS } from '@tini-starter/tiki-platform/schemas';
import { ApiError } from './api-error.ts';

const because = (code: ErrorCode, message: string, cause: unknown) =>
  new ApiError(code, message, undefined, { cause });

/** The ApiError for a Tiki failure, or null when `err` is not one. */
export function tikiFailureToApiError(err: unknown): ApiError | null {
  // Transient: Tiki gave no verdict (down, slow, failing, shedding load). The mini app should try later.
  if (isTransient(err)) {
    const message =
      err instanceof TikiTimeoutError
        ? 'Tiki did not answer in time'
        : err instanceof TikiApiError
          ? 'Tiki is failing or busy; try again later'
          : 'Tiki is unreachable or answered unexpectedly';
    return because('upstream_unavailable', message, err);
  }
  if (!(err instanceof TikiApiError)) return null;
  switch (err.reason) {
    case TIKI_ERROR_REASONS.invalidCode:
      return because('invalid_auth_code', 'The auth code is invalid, expired or already used', err);
    case TIKI_ERROR_REASONS.invalidToken:
      return because('tiki_reauth_required', 'Tiki no longer accepts this user’s consent; ask again', err);
    case TIKI_ERROR_REASONS.scopeMissing:
      return because('scope_missing', 'The user did not grant the scope this needs', err);
  }
  if (err.status === 403) return because('scope_missing', 'The user did not grant the scope this needs', err);
  return because('internal', 'Internal error', err);
}
