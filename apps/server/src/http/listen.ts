/**
 * Listening and stopping, shared by main.ts and testing.ts. Stopping is graceful: stop accepting, tell
 * keep-alive clients to go (Connection: close), let in-flight requests finish, and after `timeoutMs` cut
 * whatever is left so that the process always exits within a bound.
 */
import { once } from 'node:events';
import { createServer, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Listening {
  server: Server;
  /** e.g. 'http://127.0.0.1:53211' */
  url: string;
  /** Graceful stop; resolves { drained: false } when the deadline cut requests short. */
  stop(timeoutMs: number): Promise<{ drained: boolean }>;
}

export async function listen(app: RequestListener, o: { host: string; port: number }): Promise<Listening> {
  let stopping = false;
  const server = createServer();
  const unanswered = new Set<ServerResponse>();
  // Registered before the app, so it runs first: no keep-alive once a stop has begun, and a connection whose
  // in-flight request finishes during the stop is closed at once instead of idling until keepAliveTimeout.
  server.on('request', (_req, res) => {
    if (stopping) res.setHeader('Connection', 'close');
    unanswered.add(res);
    res.once('finish', () => unanswered.delete(res));
    res.once('close', () => unanswered.delete(res));
  });
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
        stopping = true;
        for (const res of unanswered) if (!res.headersSent) res.setHeader('Connection', 'close');
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
