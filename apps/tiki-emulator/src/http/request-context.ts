import type { Clock } from '@tini-starter/tiki-platform/clock';
import type { RequestHandler, Response } from 'express';
import type { Operation, RequestLog, RequestLogEntry } from '../controls/request-log.ts';
import { maskCredentialsInText } from '../state/tokens.ts';

/** What the handlers learn about one request, written to the request log when the connection is done with it. */
export interface RequestContext {
  route: RequestLogEntry['route'];
  operation?: Operation;
  verdict?: string;
  message?: string;
  clientId?: string;
  expectedPayload?: string;
  signatureProblem?: string;
  fault?: string;
  /** Reads of the emulator's own pages are not worth a log line. */
  unlogged?: boolean;
}

const KEY = 'tikiEmulator';

export function contextOf(res: Response): RequestContext {
  const existing = res.locals[KEY] as RequestContext | undefined;
  if (existing !== undefined) return existing;
  const created: RequestContext = { route: 'unknown' };
  res.locals[KEY] = created;
  return created;
}

/**
 * The log is shown on the state page and over HTTP: a message (a GraphQL error quotes its input), a path or a
 * client id header may carry a credential, and a path may be as long as Node's header limit.
 */
function forLog(text: string): string {
  const masked = maskCredentialsInText(text);
  return masked.length > MAX_LOGGED_CHARS ? `${masked.slice(0, MAX_LOGGED_CHARS)}…` : masked;
}

const MAX_LOGGED_CHARS = 500;

/** The caller's X-Request-Id, kept when it is a plain token (the server sends its own request id). */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Logs every request once, on close: answered, rejected, faulted or dropped. */
export function trackRequests(log: RequestLog, clock: Clock): RequestHandler {
  return (req, res, next) => {
    const context = contextOf(res);
    const at = clock.now();
    res.once('close', () => {
      if (context.unlogged) return;
      const answered = res.writableFinished;
      const status = answered ? res.statusCode : 0;
      const entry: Omit<RequestLogEntry, 'id'> = {
        at,
        method: req.method,
        path: forLog(req.originalUrl.split('?')[0] ?? req.originalUrl),
        route: context.route,
        status,
        verdict: context.verdict ?? (answered ? (status < 400 ? 'ok' : `http_${status}`) : 'aborted'),
      };
      if (context.operation !== undefined) entry.operation = context.operation;
      if (context.message !== undefined) entry.message = forLog(context.message);
      if (context.clientId !== undefined) entry.clientId = forLog(context.clientId);
      if (context.expectedPayload !== undefined) entry.expectedPayload = context.expectedPayload;
      if (context.signatureProblem !== undefined) entry.signatureProblem = context.signatureProblem;
      if (context.fault !== undefined) entry.fault = context.fault;
      const requestId = req.get('x-request-id');
      if (requestId !== undefined && REQUEST_ID.test(requestId)) entry.requestId = requestId;
      log.add(entry);
    });
    next();
  };
}
