/**
 * The one place that turns anything thrown into `{ error: { code, message, details? } }` with the contract's
 * status. Internal errors are logged in full and answered with no stack, path or cause.
 */
import type { ErrorBody } from '@tini-starter/api-contract/errors';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { StorageUnavailableError } from '../store/store.ts';
import { tikiFailureToApiError } from '../tiki/failures.ts';
import { ApiError } from './api-error.ts';

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

export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
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
