/**
 * The floors of the routes that call Tiki: every piece of work each must do, and nothing else. What every request
 * does is in floor-common.ts. No retries, deadlines, error mapping or validation of Tiki's answers beyond reading
 * them: a refusal is a 502. A database file of its own with the server's schema, the same emulator, the same
 * answers' shapes. The tokens it seals are under a key of its own, so this process serves both routes.
 *
 * `POST /api/auth/login`: a JSON body of at most 4 KB with a string `authCode`; the failed-login count hit on
 * arrival; the code's sha256 claimed in one statement; Tiki's exchange and `/oauth/me`, each signed (HMAC-SHA256
 * of the base64url payload) and sent on an undici Pool; then one transaction: the user upserted, both tokens
 * sealed with AES-256-GCM for that user, the grant and a new session stored, the code settled and the count taken
 * back; one line recording the login, and the answer.
 *
 * `GET /api/profile`: the bearer token's sha256, one prepared SQLite JOIN for the session and the sealed access
 * token, last-seen touched at most once a minute, the user's Tiki-call count hit in one statement, the token
 * opened, Tiki's profile read on the Pool, and the answer.
 */

import { createCipheriv, createDecipheriv, createHash, randomBytes, randomUUID } from 'node:crypto';
import { TIKI_HEADERS, TIKI_PATHS } from '@tini-starter/tiki-platform/schemas';
import { signBody } from '@tini-starter/tiki-platform/sign';
import Database from 'better-sqlite3';
import { Pool } from 'undici';
import { express, floorApp, log } from './floor-common.ts';

const tiki = new URL(process.env.TIKI_REST_BASE_URL ?? '');
const pool = new Pool(tiki.origin, { connections: 128, keepAliveTimeout: 4000 });
const clientId = process.env.TIKI_CLIENT_ID ?? '';
const clientSecret = process.env.TIKI_CLIENT_SECRET ?? '';
const key = randomBytes(32);
const WINDOW_MS = 60_000;
const SESSION_MS = 30 * 24 * 3600_000;

// Its own file with the server's schema (the bench migrates it): the floor's sealed tokens must not replace the
// ones the server reads for the bench's users. The connection is set up as the server's is.
const db = new Database(process.env.DATABASE_FILE ?? '', { fileMustExist: true });
db.pragma('synchronous = NORMAL');
db.pragma('foreign_keys = ON');
db.pragma('busy_timeout = 0');
const hit = db.prepare(
  `INSERT INTO rate_limits (key, hits, reset_at) VALUES (?, 1, ?)
   ON CONFLICT (key) DO UPDATE SET hits = hits + 1 RETURNING hits`,
);
const claim = db.prepare(
  `INSERT INTO auth_codes (code_hash, state, user_id, created_at, settled_at, owner, claim_expires_at)
   VALUES (?, 'pending', NULL, ?, NULL, ?, ?) ON CONFLICT (code_hash) DO NOTHING`,
);
const upsertUser = db.prepare<[string, number, string, number, number], { id: string }>(
  `INSERT INTO users (id, tiki_customer_id, name, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
   ON CONFLICT (tiki_customer_id) DO UPDATE SET name = excluded.name, updated_at = excluded.updated_at
   RETURNING id`,
);
const saveTokens = db.prepare(
  `INSERT INTO tiki_tokens (user_id, key_id, access_token, refresh_token, access_expires_at, scopes, generation,
     updated_at, lease_owner, lease_expires_at)
   VALUES (?, 'k1', ?, ?, ?, ?, 1, ?, NULL, NULL)
   ON CONFLICT (user_id) DO UPDATE SET access_token = excluded.access_token, refresh_token = excluded.refresh_token,
     access_expires_at = excluded.access_expires_at, scopes = excluded.scopes,
     generation = tiki_tokens.generation + 1, updated_at = excluded.updated_at`,
);
const createSession = db.prepare(
  'INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?)',
);
const settle = db.prepare(
  `UPDATE auth_codes SET state = 'succeeded', user_id = ?, settled_at = ?, claim_expires_at = NULL
   WHERE code_hash = ? AND owner = ?`,
);
const takeBack = db.prepare('UPDATE rate_limits SET hits = MAX(hits - 1, 0) WHERE key = ?');
const findSession = db.prepare<
  [string],
  {
    user_id: string;
    expires_at: number;
    last_seen_at: number;
    access_token: Buffer | null;
    access_expires_at: number;
  }
>(
  `SELECT s.user_id, s.expires_at, s.last_seen_at, t.access_token, t.access_expires_at
   FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN tiki_tokens t ON t.user_id = s.user_id
   WHERE s.token_hash = ?`,
);
const touch = db.prepare('UPDATE sessions SET last_seen_at = ? WHERE token_hash = ? AND last_seen_at < ?');
const TOUCH_INTERVAL_MS = 60_000;
const openApi = new URL(process.env.TIKI_OPEN_API_BASE_URL ?? '');
// One Pool serves both APIs, as the bench's emulator answers both on one origin; anything else is refused here
// rather than sending the profile call to the wrong host.
if (openApi.origin !== tiki.origin)
  throw new Error('floor-tiki: the REST and Open API base URLs must share an origin');
interface Grant {
  access_token: string;
  refresh_token?: string;
  expires_in: number;
}
interface TokenInfo {
  customer_id: number;
  customer_name: string;
  scopes: string[];
}

const saveLogin = db.transaction(
  (i: { grant: Grant; info: TokenInfo; codeHash: string; owner: string; limitKey: string; now: number }) => {
    const { id: userId } = upsertUser.get(
      randomUUID(),
      i.info.customer_id,
      i.info.customer_name,
      i.now,
      i.now,
    ) as {
      id: string;
    };
    const token = randomBytes(32).toString('base64url');
    const tokenHash = createHash('sha256').update(token, 'utf8').digest('hex');
    saveTokens.run(
      userId,
      seal(i.grant.access_token, userId),
      i.grant.refresh_token ? seal(i.grant.refresh_token, userId) : null,
      i.now + i.grant.expires_in * 1000,
      JSON.stringify(i.info.scopes),
      i.now,
    );
    createSession.run(tokenHash, userId, i.now, i.now, i.now + SESSION_MS);
    settle.run(userId, i.now, i.codeHash, i.owner);
    takeBack.run(i.limitKey);
    return { userId, token };
  },
);

function open(blob: Buffer, aad: string): string {
  const decipher = createDecipheriv('aes-256-gcm', key, blob.subarray(0, 12));
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(blob.subarray(12, 28));
  return Buffer.concat([decipher.update(blob.subarray(28)), decipher.final()]).toString('utf8');
}

function seal(plaintext: string, aad: string): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), sealed]);
}

async function postSigned<T>(path: string, body: unknown, requestId: string): Promise<T> {
  const text = JSON.stringify(body);
  const timestamp = String(Date.now());
  const answer = await pool.request({
    method: 'POST',
    path: `${tiki.pathname}${path}`,
    headers: {
      'content-type': 'application/json',
      'x-request-id': requestId,
      [TIKI_HEADERS.clientId]: clientId,
      [TIKI_HEADERS.timestamp]: timestamp,
      [TIKI_HEADERS.signature]: signBody({ clientId, clientSecret, timestamp, body: text }),
    },
    body: text,
  });
  const envelope = (await answer.body.json()) as { data: T | null };
  if (answer.statusCode !== 200 || !envelope.data) throw new Error(`Tiki answered ${answer.statusCode}`);
  return envelope.data;
}

await floorApp((api) => {
  api.post('/auth/login', express.json({ limit: 4096 }), async (req, res) => {
    const limitKey = `login:${req.ip}`;
    hit.get(limitKey, Date.now() + WINDOW_MS);
    const code = req.body?.authCode;
    if (typeof code !== 'string' || code === '') {
      res.status(400).json({ error: { code: 'invalid_request' } });
      return;
    }
    const codeHash = createHash('sha256').update(code, 'utf8').digest('hex');
    const owner = randomUUID();
    const now = Date.now();
    if (claim.run(codeHash, now, owner, now + 30_000).changes === 0) {
      res.status(401).json({ error: { code: 'invalid_auth_code' } });
      return;
    }
    try {
      const grant = await postSigned<Grant>(TIKI_PATHS.token, { code }, req.id);
      const info = await postSigned<TokenInfo>(TIKI_PATHS.me, { access_token: grant.access_token }, req.id);
      const saved = saveLogin({ grant, info, codeHash, owner, limitKey, now: Date.now() });
      log.info({ reqId: req.id, userId: saved.userId, scopes: info.scopes }, 'tiki auth code exchanged');
      res.json({
        token: saved.token,
        expiresAt: new Date(Date.now() + SESSION_MS).toISOString(),
        user: { id: saved.userId, tikiCustomerId: info.customer_id, name: info.customer_name },
        scopes: info.scopes,
      });
    } catch {
      res.status(502).json({ error: { code: 'upstream_unavailable' } });
    }
  });

  api.get('/profile', async (req, res) => {
    const header = req.headers.authorization;
    const token = typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7) : '';
    const hash = createHash('sha256').update(token, 'utf8').digest('hex');
    const row = findSession.get(hash);
    const now = Date.now();
    if (!row || now >= row.expires_at || row.access_token === null) {
      res.status(401).json({ error: { code: 'unauthenticated' } });
      return;
    }
    if (now - row.last_seen_at >= TOUCH_INTERVAL_MS) touch.run(now, hash, now);
    hit.get(`tiki-routes:${row.user_id}`, now + WINDOW_MS);
    try {
      const answer = await pool.request({
        method: 'GET',
        path: `${openApi.pathname.replace(/\/$/, '')}${TIKI_PATHS.profile}`,
        headers: {
          authorization: `Bearer ${open(row.access_token, row.user_id)}`,
          accept: 'application/json',
          'x-request-id': req.id,
        },
      });
      const profile = await answer.body.json();
      if (answer.statusCode !== 200) throw new Error(`Tiki answered ${answer.statusCode}`);
      res.json({ profile });
    } catch {
      res.status(502).json({ error: { code: 'upstream_unavailable' } });
    }
  });
});
