/**
 * One log line per request, a request id on every line (X-Request-Id in and out), and only what is safe:
 * method, path without query, status, timing. Headers and bodies are never serialized.
 *
 * The request line goes through a logger that redacts only under `err` (see accessLineLogger): its other
 * fields are picked below and cannot hold a secret. `req.log`, which routes use for everything else they log,
 * is the fully redacting logger with the request id bound, made on first use: most requests never log beyond
 * the request line, and a redacting child costs more than the line itself.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { accessLineLogger } from '../logger.ts';

const INCOMING_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestLogging(logger: Logger): RequestHandler {
  const logRequestLine = pinoHttp({
    logger: accessLineLogger(logger),
    quietReqLogger: true,
    genReqId(req: IncomingMessage, res: ServerResponse) {
      const incoming = req.headers['x-request-id'];
      const id = typeof incoming === 'string' && INCOMING_ID.test(incoming) ? incoming : randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    serializers: {
      req: (req: { method: string; url: string; remoteAddress?: string; raw?: IncomingMessage }) => ({
        method: req.method,
        path: req.url.split('?')[0],
        remoteAddress: req.remoteAddress,
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
    // 4xx are the mini app's everyday answers (expired session, refused code): info, not warn.
    customLogLevel(_req, res, err) {
      return err || res.statusCode >= 500 ? 'error' : 'info';
    },
  });
  return (req, res, next) => {
    logRequestLine(req, res);
    redactingLogOnDemand(req, logger);
    next();
  };
}

/** Replaces the `req.log` pino-http set with the redacting logger bound to the request id, made when first read. */
function redactingLogOnDemand(req: IncomingMessage, logger: Logger): void {
  let log: Logger | undefined;
  Object.defineProperty(req, 'log', {
    configurable: true,
    enumerable: true,
    get: () => {
      log ??= logger.child({ reqId: req.id });
      return log;
    },
    set: (value: Logger) => {
      log = value;
    },
  });
}
