/**
 * How Tiki's failures become answers to the mini app. One place, so that every route says the same thing:
 * Tiki unreachable, slow or failing -> upstream_unavailable (503); Tiki refusing the user's token ->
 * tiki_reauth_required; Tiki refusing *our* request (signature, client id) -> internal, because the mini app
 * can do nothing about a misconfigured server (the log says what to fix).
 */

import type { ErrorCode } from '@tini-starter/api-contract/errors';
import {
  TikiApiError,
  TikiNetworkError,
  TikiResponseError,
  TikiTimeoutError,
} from '@tini-starter/tiki-platform/errors';
import { ApiError } from './api-error.ts';

export function isDeadTokenError(err: unknown): boolean {
  return err instanceof TikiApiError && err.reason === 'invalid_token';
}

const because = (code: ErrorCode, message: string, cause: unknown) =>
  new ApiError(code, message, undefined, { cause });

/** The ApiError for a Tiki failure, or null when `err` is not one. */
export function tikiFailureToApiError(err: unknown): ApiError | null {
  if (err instanceof TikiTimeoutError)
    return because('upstream_unavailable', 'Tiki did not answer in time', err);
  if (err instanceof TikiNetworkError || err instanceof TikiResponseError) {
    return because('upstream_unavailable', 'Tiki is unreachable or answered unexpectedly', err);
  }
  if (!(err instanceof TikiApiError)) return null;
  // 429: Tiki is shedding load. Nothing is wrong with the user or with us; the mini app should try later.
  if (err.status >= 500 || err.status === 429) {
    return because('upstream_unavailable', 'Tiki is failing or busy; try again later', err);
  }
  switch (err.reason) {
    case 'invalid_code':
      return because('invalid_auth_code', 'The auth code is invalid, expired or already used', err);
    case 'invalid_token':
      return because('tiki_reauth_required', 'Tiki no longer accepts this user’s consent; ask again', err);
    case 'scope_missing':
      return because('scope_missing', 'The user did not grant the scope this needs', err);
  }
  if (err.status === 403) return because('scope_missing', 'The user did not grant the scope this needs', err);
  return because('internal', 'Internal error', err);
}
