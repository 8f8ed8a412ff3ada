/**
 * The floor of `GET /api/me`: every piece of work the route must do, and nothing else. Plain JavaScript run
 * by node (no tsx, no build), with the server's own dependencies (resolved from the server package):
 * helmet, a router, no-store, ETag off; the bearer token, its sha256, one prepared SQLite JOIN for the session,
 * its user and granted scopes, last-seen touched at most once a minute; a request id in and out, and one pino
 * line per request. Same database file as the server under measurement, same JSON answer. It is what
 * issue 14's ladder called the top rung: the bench prints it beside the server so each run shows the floor.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const requireFromServer = createRequire(fileURLToPath(import.meta.resolve('@tini-starter/server/app')));
const express = requireFromServer('express');
const helmet = requireFromServer('helmet');
const Database = requireFromServer('better-sqlite3');
const pino = requireFromServer('pino');

const TOUCH_INTERVAL_MS = 60_000;
const db = new Database(process.env.DATABASE_FILE, { fileMustExist: true });
db.pragma('busy_timeout = 0');
const findSession = db.prepare(
  `SELECT s.user_id, s.expires_at, s.last_seen_at, u.tiki_customer_id, u.name, t.scopes
   FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN tiki_tokens t ON t.user_id = s.user_id
   WHERE s.token_hash = ?`,
);
const touch = db.prepare('UPDATE sessions SET last_seen_at = ? WHERE token_hash = ? AND last_seen_at < ?');
const log = pino({ level: 'info' });
const INCOMING_ID = /^[A-Za-z0-9._:-]{1,128}$/;

const app = express();
app.set('etag', false);
app.use((req, res, next) => {
  const incoming = req.headers['x-request-id'];
  const id = typeof incoming === 'string' && INCOMING_ID.test(incoming) ? incoming : randomUUID();
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
api.get('/me', (req, res) => {
  const header = req.headers.authorization;
  const token = typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7) : '';
  const hash = createHash('sha256').update(token, 'utf8').digest('hex');
  const row = findSession.get(hash);
  const now = Date.now();
  if (!row || now >= row.expires_at) {
    res.status(401).json({ error: { code: 'unauthenticated' } });
    return;
  }
  if (now - row.last_seen_at >= TOUCH_INTERVAL_MS) touch.run(now, hash, now);
  res.json({
    user: { id: row.user_id, tikiCustomerId: row.tiki_customer_id, name: row.name },
    scopes: row.scopes === null ? [] : JSON.parse(row.scopes),
  });
});
app.use('/api', api);
app.get('/readyz', (_req, res) => {
  res.json({ status: 'ready' });
});
const server = app.listen(Number(process.env.PORT), '127.0.0.1');
process.once('SIGTERM', () => server.close(() => process.exit(0)));
