/**
 * Listening and stopping, shared by main.ts and testing.ts. Stopping is graceful: stop accepting, close idle
 * keep-alive connections and each busy one as soon as its answer is sent, let in-flight requests finish, and
 * after `timeoutMs` cut whatever is left so that the process always exits within a bound. Node's own
 * connection tracking does this; nothing is added per request.
 */
import { once } from 'node:events';
import { createServer, IncomingMessage, type Server, type ServerOptions, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';

export interface Listening {
  server: Server;
  /** e.g. 'http://127.0.0.1:53211' */
  url: string;
  /** Graceful stop; resolves { drained: false } when the deadline cut requests short. */
  stop(timeoutMs: number): Promise<{ drained: boolean }>;
}

export async function listen(app: Express, o: { host: string; port: number }): Promise<Listening> {
  const server = createServer(bornWithAppPrototypes(app));
  server.on('request', app);
  server.listen(o.port, o.host);
  await once(server, 'listening');
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;

  let stopped: Promise<{ drained: boolean }> | undefined;
  return {
    server,
    url: `http://${host}:${port}`,
    stop(timeoutMs) {
      stopped ??= new Promise((resolve) => {
        // Nothing is tracked per request: from now on a connection that finishes its answer is closed 1 ms
        // after (Node applies keepAliveTimeout when each answer ends, and tells the client timeout=0), and
        // closeIdleConnections() closes those idle already.
        server.keepAliveTimeout = 1;
        const deadline = setTimeout(() => {
          server.closeAllConnections();
          resolve({ drained: false });
        }, timeoutMs);
        deadline.unref();
        server.close(() => {
          clearTimeout(deadline);
          resolve({ drained: true });
        });
        server.closeIdleConnections();
      });
      return stopped;
    },
  };
}

/**
 * Request and response classes for Node's HTTP server whose instances are born with the app's prototypes
 * (`app.request`, `app.response`), which now sit at the head of those chains.
 *
 * Express gives every request and response its prototypes with `Object.setPrototypeOf` when it starts handling
 * them. Changing the prototype of a live object is expensive in V8, and not only at the call: under load, the
 * objects of every request then survived young-generation collections (a plain `node:http` server with the same
 * setPrototypeOf calls did as badly; the bench's `GET /api/me` row against bare Express shows what this saves).
 * With the prototype already in place,
 * Express's call changes nothing, and V8 returns at once.
 */
function bornWithAppPrototypes(app: Express): ServerOptions {
  class AppRequest extends IncomingMessage {}
  Object.setPrototypeOf(AppRequest.prototype, app.request);
  class AppResponse extends ServerResponse {}
  Object.setPrototypeOf(AppResponse.prototype, app.response);
  app.request = AppRequest.prototype as Express['request'];
  app.response = AppResponse.prototype as Express['response'];
  // (ServerResponse's generic constructor type cannot name a subclass fixed to IncomingMessage.)
  return { IncomingMessage: AppRequest, ServerResponse: AppResponse as typeof ServerResponse };
}
