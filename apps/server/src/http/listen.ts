/**
 * Listening and stopping, shared by main.ts and testing.ts. Stopping is graceful: stop accepting, close idle
 * keep-alive connections and each busy one as soon as its answer is sent, let in-flight requests finish, and
 * after `timeoutMs` cut whatever is left so that the process always exits within a bound. Node's own
 * connection tracking does this; nothing is added per request.
 */
import { once } from 'node:events';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Listening {
  server: Server;
  /** e.g. 'http://127.0.0.1:53211' */
  url: string;
  /** Graceful stop; resolves { drained: false } when the deadline cut requests short. */
  stop(timeoutMs: number): Promise<{ drained: boolean }>;
}

export async function listen(app: RequestListener, o: { host: string; port: number }): Promise<Listening> {
  const server = createServer();
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
