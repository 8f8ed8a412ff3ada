/**
 * One log line per request, a request id on every line (X-Request-Id in and out), and only what is safe:
 * method, path without query, status, timing. Headers and bodies are never serialized.
 *
 * `req.log`, which routes use for everything else they log, is the logger with the request id bound.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Express, RequestHandler } from 'express';
import type { Logger } from 'pino';

declare module 'node:http' {
  interface IncomingMessage {
    /** The request id: the client's X-Request-Id when it is a plain token, else a fresh UUID. */
    id: string;
    /** The redacting logger with this request's id bound. */
    log: Logger;
  }
  interface ServerResponse {
    /** An error to attach to the request line (set by the error handler for a 5xx). */
    err?: Error;
  }
}

const INCOMING_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Installs the request logging on an app: the middleware (first, so that it sees every request), and `req.log`
 * as one lazy getter on the app's request prototype. Nothing is defined per request: a per-request property
 * definition (a closure and a new hidden class each time) showed in the bench's `GET /api/me` row and doubled
 * its young-generation GC.
 */
/** Told of each answer as its line is written (the metrics): one timer and one listener serve both. */
export type OnAnswered = (req: IncomingMessage, res: ServerResponse, seconds: number) => void;

export function installRequestLogging(app: Express, logger: Logger, onAnswered?: OnAnswered): void {
  Object.defineProperty(app.request, 'log', {
    configurable: true,
    enumerable: false,
    get(this: IncomingMessage & { [REQUEST_LOG]?: Logger }): Logger {
      // The redacting logger bound to the request id, made on first use: most requests never log beyond the
      // request line, and a redacting child costs more than the line itself.
      this[REQUEST_LOG] ??= logger.child({ reqId: this.id });
      return this[REQUEST_LOG];
    },
    set(this: IncomingMessage & { [REQUEST_LOG]?: Logger }, value: Logger) {
      this[REQUEST_LOG] = value;
    },
  });
  app.use(requestLogging(logger, onAnswered));
}

const REQUEST_LOG = Symbol('request log');

function requestLogging(logger: Logger, onAnswered: OnAnswered | undefined): RequestHandler {
  const accessLog = logger;
  return (req, res, next) => {
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && INCOMING_ID.test(incoming) ? incoming : randomUUID();
    req.id = id;
    res.setHeader('X-Request-Id', id);
    const startedAt = performance.now();
    let logged = false;
    const logLine = (err?: Error) => {
      if (logged) return;
      logged = true;
      const ms = performance.now() - startedAt;
      writeRequestLine(accessLog, req, res, Math.round(ms), err);
      onAnswered?.(req, res, ms / 1000);
    };
    // 'close' follows 'finish' at once for a complete answer, and comes alone when the client hung up.
    res.on('close', logLine);
    res.on('error', logLine);
    next();
  };
}

function writeRequestLine(
  log: Logger,
  req: IncomingMessage,
  res: ServerResponse,
  responseTime: number,
  error: Error | undefined,
): void {
  const line = {
    reqId: req.id,
    // originalUrl: inside a router mounted at a path, Express rewrites req.url to the rest of the path.
    req: { method: req.method, path: originalPath(req), remoteAddress: req.socket.remoteAddress },
    res: { statusCode: res.statusCode },
    responseTime,
  };
  const err = error ?? res.err;
  // 4xx are the mini app's everyday answers (expired session, refused code): info, not warn.
  if (err !== undefined || res.statusCode >= 500) {
    log.error(err === undefined ? line : { ...line, err }, 'request errored');
  } else if (!res.writableFinished) {
    log.info(line, 'request aborted before its answer was complete');
  } else {
    log.info(line, 'request completed');
  }
}

/** The path as the client sent it, without the query (Express's originalUrl, or the raw url outside Express). */
function originalPath(req: IncomingMessage): string | undefined {
  const url = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url;
  return url?.split('?')[0];
}
