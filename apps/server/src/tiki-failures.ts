/**
 * How Tiki's failures become answers to the mini app. One place, so that every route says the same thing:
 * Tiki unreachable, slow or failing -> upstream_unavailable (503); Tiki refusing the user's token ->
 * tiki_reauth_required; Tiki refusing *our* request (signature, client id) -> internal, because the mini app
 * can do nothing about a misconfigured server (the log says what to fix).
 */
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

/** The ApiError for a Tiki failure, or null when `err` is not one. */
export function tikiFailureToApiError(err: unknown): ApiError | null {
  if (err instanceof TikiTimeoutError) {
    return new ApiError('upstream_unavailable', 'Tiki did not answer in time', undefined, { cause: err });
  }
  if (err instanceof TikiNetworkError || err instanceof TikiResponseError) {
    return new ApiError('upstream_unavailable', 'Tiki is unreachable or answered unexpectedly', undefined, {
      cause: err,
    });
  }
  if (!(err instanceof TikiApiError)) return null;
  if (err.status >= 500) {
    return new ApiError('upstream_unavailable', 'Tiki is failing; try again later', undefined, {
      cause: err,
    });
  }
  switch (err.reason) {
    case 'invalid_code':
      return new ApiError(
        'invalid_auth_code',
        'The auth code is invalid, expired or already used',
        undefined,
        {
          cause: err,
        },
      );
    case 'invalid_token':
      return new ApiError(
        'tiki_reauth_required',
        'Tiki no longer accepts this user’s consent; ask again',
        undefined,
        {
          cause: err,
        },
      );
    case 'scope_missing':
      return new ApiError('scope_missing', 'The user did not grant the scope this needs', undefined, {
        cause: err,
      });
  }
  if (err.status === 403) {
    return new ApiError('scope_missing', 'The user did not grant the scope this needs', undefined, {
      cause: err,
    });
  }
  return new ApiError('internal', 'Internal error', undefined, { cause: err });
}
