/**
 * What every floor process (floor-me.mjs, floor-tiki.mjs) shares with the server: the server's own
 * dependencies (resolved from the server package), and an Express app doing the work every API request must
 * do: a request id in and out, one pino line per request, helmet, no-store, ETag off; then `/readyz` and the
 * listener on PORT (set up as the server's), closed on SIGTERM. Plain JavaScript run by node (no tsx, no build).
 */
import { randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export const requireFromServer = createRequire(
  fileURLToPath(import.meta.resolve('@tini-starter/server/app')),
);
const express = requireFromServer('express');
const helmet = requireFromServer('helmet');
const pino = requireFromServer('pino');

export const log = pino({ level: 'info' });
const INCOMING_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The app, with the work before the routes; `routes` mounts the floor's own under /api. */
export function floorApp(routes) {
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
  routes(api, express);
  app.use('/api', api);
  app.get('/readyz', (_req, res) => {
    res.json({ status: 'ready' });
  });
  // As the server's listen() does (apps/server/src/http/listen.ts): requests and responses born with the app's
  // prototypes, so that Express's per-request Object.setPrototypeOf changes nothing. Without this, every floor
  // would spend more than the server on work that is not required.
  class AppRequest extends IncomingMessage {}
  Object.setPrototypeOf(AppRequest.prototype, app.request);
  class AppResponse extends ServerResponse {}
  Object.setPrototypeOf(AppResponse.prototype, app.response);
  app.request = AppRequest.prototype;
  app.response = AppResponse.prototype;
  const server = createServer({ IncomingMessage: AppRequest, ServerResponse: AppResponse }, app);
  server.listen(Number(process.env.PORT), '127.0.0.1');
  process.once('SIGTERM', () => server.close(() => process.exit(0)));
}
