import { EventEmitter } from 'node:events';
import { type Dispatcher, Pool } from 'undici';
import { TikiResponseError } from './errors.ts';
import {
  type HttpRequest,
  type HttpTransport,
  networkError,
  redirectError,
  timeoutError,
} from './http-transport.ts';

/**
 * Enough connections per Tiki origin for a busy server (the load run holds 100 connections) without opening an
 * unbounded number when Tiki slows down; requests above it wait in the pool's queue.
 */
export const DEFAULT_CONNECTIONS = 128;

/** How long an idle pooled connection is kept (undici also honours a shorter `Keep-Alive: timeout` from Tiki). */
export const DEFAULT_KEEP_ALIVE_MS = 4_000;

/**
 * The client's default transport: one undici `Pool` per origin, keep-alive, HTTP/1.1, no Request/Response objects
 * per attempt. The deadline covers the whole attempt (a free connection, connecting, the head and the whole body)
 * with one timer per attempt: undici's own headersTimeout/bodyTimeout run on its coarse timers, which fire up to a
 * second late, and the server promises a 503 within the deadline plus 100 ms. undici never follows a redirect
 * unless asked. Idle connections do not keep the process alive.
 */
export function undiciTransport(o: { connections?: number; keepAliveMs?: number } = {}): HttpTransport {
  const pools = new Map<string, Pool>();
  const poolOf = (origin: string): Pool => {
    let pool = pools.get(origin);
    if (pool === undefined) {
      pool = new Pool(origin, {
        connections: o.connections ?? DEFAULT_CONNECTIONS,
        keepAliveTimeout: o.keepAliveMs ?? DEFAULT_KEEP_ALIVE_MS,
        keepAliveMaxTimeout: o.keepAliveMs ?? DEFAULT_KEEP_ALIVE_MS,
        // The attempt's deadline (below) governs; these only stop undici's own timers from firing first.
        headersTimeout: 0,
        bodyTimeout: 0,
      });
      pools.set(origin, pool);
    }
    return pool;
  };

  return async (request: HttpRequest) => {
    const url = new URL(request.url);
    // undici takes an EventEmitter as its abort signal: lighter than an AbortController (the client row).
    const abort = new EventEmitter();
    let expired = false;
    let stopWaiting: ((reason: Error) => void) | undefined;
    const timer = setTimeout(() => {
      expired = true;
      abort.emit('abort');
      // undici settles a request aborted while queued only when it leaves the queue: end the wait now.
      stopWaiting?.(new Error('deadline passed'));
    }, request.timeoutMs);
    try {
      const response = await new Promise<Dispatcher.ResponseData>((resolve, reject) => {
        stopWaiting = reject;
        poolOf(url.origin)
          .request({
            path: `${url.pathname}${url.search}`,
            method: request.method,
            headers: request.headers,
            body: request.body ?? null,
            signal: abort,
          })
          .then(resolve, reject);
      });
      if (response.statusCode >= 300 && response.statusCode <= 399) {
        await response.body.dump();
        throw redirectError(request, response.statusCode, single(response.headers.location));
      }
      const text = await response.body.text();
      return { status: response.statusCode, contentType: single(response.headers['content-type']), text };
    } catch (error) {
      if (error instanceof TikiResponseError) throw error;
      if (expired) throw timeoutError(request);
      throw networkError(request, error);
    } finally {
      clearTimeout(timer);
      stopWaiting = undefined;
    }
  };
}

function single(value: string | string[] | undefined): string | null {
  return (Array.isArray(value) ? value[0] : value) ?? null;
}
