/**
 * The floor of `GET /api/me`: every piece of work the route must do, and nothing else: what every request does
 * (floor-common.ts: request id, one pino line, helmet, no-store), the bearer token, its sha256, one prepared
 * SQLite JOIN for the session, its user and granted scopes, last-seen touched at most once a minute. Same
 * database file as the server under measurement, same JSON answer. It is the floor of the route: the
 * bench prints it beside the server so each run shows it.
 */

import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { floorApp } from './floor-common.ts';

interface SessionRow {
  user_id: string;
  expires_at: number;
  last_seen_at: number;
  tiki_customer_id: number;
  name: string;
  scopes: string | null;
}

const TOUCH_INTERVAL_MS = 60_000;
const db = new Database(process.env.DATABASE_FILE ?? '', { fileMustExist: true });
db.pragma('busy_timeout = 0');
const findSession = db.prepare<[string], SessionRow>(
  `SELECT s.user_id, s.expires_at, s.last_seen_at, u.tiki_customer_id, u.name, t.scopes
   FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN tiki_tokens t ON t.user_id = s.user_id
   WHERE s.token_hash = ?`,
);
const touch = db.prepare('UPDATE sessions SET last_seen_at = ? WHERE token_hash = ? AND last_seen_at < ?');

await floorApp((api) => {
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
});
