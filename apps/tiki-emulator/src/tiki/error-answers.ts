import type { Socket } from 'node:net';
import { TIKI_PATHS } from '@tini-starter/tiki-platform/schemas';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { CONTROL_BASE_PATH } from '../controls/control-routes.ts';
import { BODY_LIMIT_BYTES } from '../http/json-body.ts';
import { contextOf } from '../http/request-context.ts';
import { GRAPHQL_PATH } from './graphql-route.ts';
import { REST_BASE_PATH } from './platform-routes.ts';
import { envelopeError } from './rejection.ts';

/** The emulator's answers to requests no route takes: each an envelope with a reason, never a stack trace. */

const TIKI_POST_PATHS = [
  `${REST_BASE_PATH}${TIKI_PATHS.token}`,
  `${REST_BASE_PATH}${TIKI_PATHS.refresh}`,
  `${REST_BASE_PATH}${TIKI_PATHS.me}`,
  GRAPHQL_PATH,
];

export const notFound: RequestHandler = (req, res) => {
  const context = contextOf(res);
  if (TIKI_POST_PATHS.includes(req.path)) {
    context.verdict = 'method_not_allowed';
    res
      .status(405)
      .set('allow', 'POST')
      .json(envelopeError(405, 'method_not_allowed', `use POST for ${req.path}`));
    return;
  }
  if (req.path === TIKI_PATHS.profile) {
    context.verdict = 'method_not_allowed';
    res
      .status(405)
      .set('allow', 'GET')
      .json(envelopeError(405, 'method_not_allowed', `use GET for ${req.path}`));
    return;
  }
  context.verdict = 'not_found';
  res.status(404).json(envelopeError(404, 'not_found', `no route ${req.method} ${req.path}`));
};

/** Body-reading errors (express.raw's, the only body parser here) and bugs answer an envelope: never a stack trace. */
export const answerErrors: ErrorRequestHandler = (error, req, res, _next) => {
  const context = contextOf(res);
  if (res.headersSent) {
    req.socket.destroy();
    return;
  }
  const type = typeof error === 'object' && error !== null ? (error as { type?: unknown }).type : undefined;
  let status = 500;
  let reason = 'internal_error';
  let message = 'the emulator failed on this request; see its console';
  if (type === 'entity.too.large') {
    status = 413;
    reason = 'payload_too_large';
    message = `the body exceeds ${BODY_LIMIT_BYTES} bytes`;
  } else if (type === 'encoding.unsupported') {
    status = 415;
    reason = 'invalid_request';
    message = 'compressed bodies are not accepted: send the JSON bytes that were signed';
  } else if (type === 'request.aborted' || type === 'request.size.invalid') {
    status = 400;
    reason = 'invalid_request';
    message = 'the body was not received completely';
  } else {
    console.error('tiki-emulator: unexpected error on', req.method, req.path, error);
  }
  context.verdict = reason;
  context.message = message;
  res.status(status).json(envelopeError(status, reason, message));
};

/**
 * Tiki's API is called server to server, so it has no CORS preflight: OPTIONS gets the same 405 or 404 as any
 * other wrong method, where Express would answer a bare text/plain "POST". The consent control allows CORS.
 */
export const refuseTikiPreflight: RequestHandler = (req, res, next) => {
  if (req.method === 'OPTIONS' && !req.path.startsWith(`${CONTROL_BASE_PATH}/`)) notFound(req, res, next);
  else next();
};

/** What Node's parser and timers report, as Node itself would answer it (status and reason phrase). */
const UNPARSABLE: Record<string, { status: number; phrase: string; message: string }> = {
  HPE_HEADER_OVERFLOW: {
    status: 431,
    phrase: 'Request Header Fields Too Large',
    message: 'the request line and headers exceed 16 KB',
  },
  ERR_HTTP_REQUEST_TIMEOUT: {
    status: 408,
    phrase: 'Request Timeout',
    message: 'the request was not received completely in time',
  },
};
const NOT_HTTP = { status: 400, phrase: 'Bad Request', message: 'the request is not valid HTTP/1.1' };

/**
 * Requests Node cannot parse (headers over its 16 KB limit, a bad Content-Length, garbage, a request that never
 * finishes arriving) never reach Express; Node would answer a bare status line. They get the envelope too.
 */
export function answerUnparsableRequest(
  error: Error & { code?: string },
  socket: Pick<Socket, 'writable' | 'end' | 'destroy'>,
): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const { status, phrase, message } = UNPARSABLE[error.code ?? ''] ?? NOT_HTTP;
  const body = JSON.stringify(envelopeError(status, 'invalid_request', message));
  socket.end(
    `HTTP/1.1 ${status} ${phrase}\r\n` +
      'content-type: application/json; charset=utf-8\r\n' +
      `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}
