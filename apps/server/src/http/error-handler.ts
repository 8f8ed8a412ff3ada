/**
 * The one place that turns anything thrown into `{ error: { code, message, details? } }` with the contract's
 * status: the domain's own errors (auth, payments, Tiki access), Tiki's failures, the store's, body-parser's.
 * Internal errors are logged in full and answered with no stack, path or cause.
 */
import type { ErrorBody, ErrorCode } from '@tini-starter/api-contract/errors';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AuthError, type AuthRefusal } from '../auth/errors.ts';
import { OrderError, type OrderRefusal } from '../payments/errors.ts';
import { StorageUnavailableError } from '../store/store.ts';
import { TikiAccessError, type TikiAccessRefusal } from '../tiki/errors.ts';
import { ApiError } from './api-error.ts';
import { tikiFailureToApiError } from './tiki-failures.ts';

/** body-parser's error types (`err.type`) and what they mean to the mini app. */
function bodyParserError(err: unknown): ApiError | null {
  if (typeof err !== 'object' || err === null || !('type' in err) || typeof err.type !== 'string')
    return null;
  switch (err.type) {
    case 'entity.too.large':
      return new ApiError('payload_too_large', 'The request body is too large');
    case 'entity.parse.failed':
      return new ApiError('invalid_request', 'The request body is not valid JSON');
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return new ApiError('unsupported_media_type', 'Send the body as UTF-8 JSON');
    default:
      return null;
  }
}

/**
 * Any other client error body-parser raises (an aborted upload, a size mismatch, a Content-Encoding whose bytes
 * do not inflate...) is marked `expose` with a 4xx status: it is the request's fault, so 400, never a 500.
 */
function clientBodyError(err: unknown): ApiError | null {
  if (typeof err !== 'object' || err === null || !('expose' in err) || err.expose !== true) return null;
  const status = 'status' in err ? err.status : undefined;
  if (typeof status !== 'number' || status < 400 || status > 499) return null;
  return new ApiError('invalid_request', 'The request body could not be read');
}

/** Each refusal of the domain, as the contract names it (the compiler asks for every new kind). */
const AUTH_CODES: Record<AuthRefusal, ErrorCode> = {
  code_refused: 'invalid_auth_code',
  no_session: 'unauthenticated',
  exchange_unfinished: 'upstream_unavailable',
};
const ORDER_CODES: Record<OrderRefusal, ErrorCode> = {
  not_found: 'not_found',
  unknown_product: 'unknown_product',
  duplicate_product: 'invalid_request',
  amount_limit_exceeded: 'order_amount_limit_exceeded',
  key_reused: 'idempotency_key_reused',
  in_progress: 'order_in_progress',
  not_cancelable: 'order_not_cancelable',
  tiki_refused: 'tiki_order_refused',
  not_stored: 'storage_unavailable',
  bad_cursor: 'invalid_request',
};
const TIKI_ACCESS_CODES: Record<TikiAccessRefusal, ErrorCode> = {
  consent_required: 'tiki_reauth_required',
  scope_missing: 'scope_missing',
  refresh_still_running: 'upstream_unavailable',
};

function domainError(err: unknown): ApiError | null {
  const as = (code: ErrorCode, e: Error, details?: unknown) =>
    new ApiError(code, e.message, details, { cause: e });
  if (err instanceof AuthError) return as(AUTH_CODES[err.kind], err);
  if (err instanceof OrderError) return as(ORDER_CODES[err.kind], err, err.details);
  if (err instanceof TikiAccessError) return as(TIKI_ACCESS_CODES[err.kind], err);
  return null;
}

export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const domain = domainError(err);
  if (domain !== null) return domain;
  if (err instanceof StorageUnavailableError) {
    return new ApiError(
      'storage_unavailable',
      'The server’s database is busy; try again shortly',
      undefined,
      {
        cause: err,
      },
    );
  }
  return (
    tikiFailureToApiError(err) ??
    bodyParserError(err) ??
    clientBodyError(err) ??
    new ApiError('internal', 'Internal error', undefined, { cause: err })
  );
}

export const errorHandler: ErrorRequestHandler = (err, req, res, next) => {
  if (res.headersSent) {
    next(err);
    return;
  }
  const apiError = toApiError(err);
  res.locals.errorCode = apiError.code;
  if (apiError.status >= 500) {
    // The request's log line (http/request-logging.ts) carries this error.
    res.err = apiError.code === 'internal' ? (err as Error) : apiError;
  } else {
    req.log.debug({ code: apiError.code, reason: apiError.message }, 'request refused');
  }
  const body: ErrorBody = { error: { code: apiError.code, message: apiError.message } };
  if (apiError.details !== undefined) body.error.details = apiError.details;
  res.status(apiError.status).json(body);
};

export const notFound: RequestHandler = (req) => {
  throw new ApiError('not_found', `No route for ${req.method} ${req.path}`);
};
