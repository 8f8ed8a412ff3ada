/**
 * What every floor process (floor-me.ts, floor-tiki.ts) shares with the server: its own dependencies, its
 * logger (the same redaction on every line) and its listen() (requests born with the app's prototypes), and an
 * Express app doing the work every API request must do: a request id in and out, one log line per request,
 * helmet, no-store, ETag off; then `/readyz` and the listener on PORT, stopped on SIGTERM. Run through tsx.
 */
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { listen } from '@tini-starter/server/http/listen';
import { createLogger } from '@tini-starter/server/logger';
import type { RequestHandler, Router } from 'express';

/** The server's own copies of its dependencies (express, helmet, better-sqlite3, undici). */
export const requireFromServer = createRequire(
  fileURLToPath(import.meta.resolve('@tini-starter/server/app')),
);
export const express = requireFromServer('express') as typeof import('express');
const helmet = requireFromServer('helmet') as () => RequestHandler;

declare module 'node:http' {
  interface IncomingMessage {
    id: string;
  }
}

export const log = createLogger({ level: 'info' });
const INCOMING_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The app, with the work before the routes; `routes` mounts the floor's own under /api. */
export async function floorApp(routes: (api: Router) => void): Promise<void> {
  const app = express();
  app.set('etag', false);
  app.use((req, res, next) => {
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && INCOMING_ID.test(incoming) ? incoming : randomUUID();
    req.id = id;
    res.setHeader('X-Request-Id', id);
    const startedAt = Date.now();
    res.on('close', () => {
      log.info(
        {
          reqId: id,
          req: {
            method: req.method,
            path: req.originalUrl.split('?')[0],
            remoteAddress: req.socket.remoteAddress,
          },
          res: { statusCode: res.statusCode },
          responseTime: Date.now() - startedAt,
        },
        'request completed',
      );
    });
    next();
  });
  app.use(helmet());
  app.use('/api', (_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  const api = express.Router();
  routes(api);
  app.use('/api', api);
  app.get('/readyz', (_req, res) => {
    res.json({ status: 'ready' });
  });
  const listening = await listen(app, { host: '127.0.0.1', port: Number(process.env.PORT) });
  process.once('SIGTERM', () => {
    listening.stop(5_000).then(() => process.exit(0));
  });
}
