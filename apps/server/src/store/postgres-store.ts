/**
 * The store several server instances share: PostgreSQL through node-postgres (`pg`), with a pool per process.
 *
 * Every guarantee that must hold across instances is one conditional statement or one short transaction here:
 * a code is claimed by `INSERT … ON CONFLICT`, the refresh lease is a conditional UPDATE with an expiry (an
 * instance that died holding it loses it when it expires), the request limits are one upsert per hit, one order
 * per idempotency key is the unique index, one fulfilment per order a conditional UPDATE.
 *
 * Nothing blocks the event loop, and nothing waits without a deadline: a free connection, a row lock and a
 * statement each get `timeoutMs`, after which the call fails with StorageUnavailableError (503); so does a
 * connection lost mid-call. The pool replaces broken connections on the next call, so service resumes by
 * itself when the database is back.
 */
import type { OrderStatus } from '@tini-starter/tiki-platform/order-status';
import pg from 'pg';
import { type MigratedVersions, pendingMigrations } from './migrate.ts';
import { INITIAL_ORDER_STATUS, type NewOrder, type TikiStatusUpdate } from './orders.ts';
import { POSTGRES_MIGRATIONS } from './postgres-migrations.ts';
import {
  type CodeRow,
  FINAL_STATUSES_SQL as FINAL,
  keyIsFree,
  type OrderRow,
  rowsFor,
  type SessionWithUserRow,
  type TokensRow,
  toCode,
  toOrder,
  toSessionWithUser,
  toTokens,
  toUser,
  type UserRow,
} from './rows.ts';
import {
  type RefreshLease,
  type SealedTikiTokens,
  type SessionRecord,
  StorageUnavailableError,
  type Store,
  type StoreEvents,
} from './store.ts';

export interface PostgresStoreOptions {
  /** How long each wait (a free connection, a row lock, one statement) may last before a 503 (ms). */
  timeoutMs?: number;
  /** Connections per process (node-postgres pool). Several instances: keep the sum under max_connections. */
  poolMax?: number;
  /**
   * Apply missing migrations on open (the default), or only check that the schema is this server's (deploys that
   * run `pnpm migrate` first, with a database account that may not change the schema).
   */
  migrate?: boolean;
  /** An idle connection failed (the database restarted or dropped it); the pool replaces it. */
  onConnectionError?: (err: Error) => void;
  /** Told of the status changes this store writes (the metrics); default nobody. */
  events?: Pick<StoreEvents, 'orderStatusChanged'>;
}

/** /readyz waits at most this long for the database before it says the instance is not ready. */
const READINESS_WAIT_MS = 1000;

/** The transaction-scoped advisory lock that makes concurrent migrations run once (any constant; this one names us). */
const MIGRATION_LOCK_SQL = "SELECT pg_advisory_xact_lock(hashtext('tini-starter:schema-migrations'))";

/**
 * BIGINT columns (times in ms, Tiki customer ids, totals) as numbers: node-postgres reads int8 as a string,
 * because it may exceed 2^53. Ours never do; one that did would be refused rather than rounded.
 */
const INT8_OID = 20;
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID
      ? (value: string) => {
          const n = Number(value);
          if (!Number.isSafeInteger(n)) throw new Error(`a BIGINT outside the safe integer range: ${value}`);
          return n;
        }
      : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

const MIGRATE_CONNECT_TIMEOUT_MS = 10_000;

/** Applies the missing migrations (or, with `apply: false`, refuses a schema that needs any); returns the versions. */
export async function migratePostgres(
  url: string,
  o: { apply: boolean } = { apply: true },
): Promise<MigratedVersions> {
  // A connection of its own, without the pool's statement deadline: waiting for another instance's migration,
  // or a long migration, is part of starting.
  const client = new pg.Client({
    connectionString: url,
    application_name: 'tini-starter-migrate',
    // A database host that never answers fails the start instead of hanging it.
    connectionTimeoutMillis: MIGRATE_CONNECT_TIMEOUT_MS,
  });
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query(MIGRATION_LOCK_SQL);
    const exists = await client.query<{ found: boolean }>(
      "SELECT to_regclass('schema_migrations') IS NOT NULL AS found",
    );
    if (!exists.rows[0]?.found) {
      if (!o.apply) throw notMigrated(0);
      await client.query(
        'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())',
      );
    }
    const applied = Number(
      (await client.query<{ v: number }>('SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations'))
        .rows[0]?.v ?? 0,
    );
    const pending = pendingMigrations(applied, POSTGRES_MIGRATIONS);
    if (pending.length > 0 && !o.apply) throw notMigrated(applied);
    for (const m of pending) {
      await client.query(m.sql);
      await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [m.version]);
    }
    await client.query('COMMIT');
    return { from: applied, to: applied + pending.length };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    await client.end();
  }
}

function notMigrated(applied: number): Error {
  return new Error(
    `server: the database schema is v${applied} and this server needs v${POSTGRES_MIGRATIONS.length}: run ` +
      '`pnpm --filter @tini-starter/server migrate` first, or let the server migrate (DATABASE_MIGRATE_ON_START=true)',
  );
}

/** Opens the pool, migrates (or checks the schema), and answers once the database does. */
export async function openPostgresStore(url: string, o: PostgresStoreOptions = {}): Promise<Store> {
  const timeoutMs = o.timeoutMs ?? 5000;
  await migratePostgres(url, { apply: o.migrate ?? true });
  const pool = new pg.Pool({
    connectionString: url,
    max: o.poolMax ?? 10,
    application_name: 'tini-starter-server',
    types,
    connectionTimeoutMillis: timeoutMs,
    statement_timeout: timeoutMs,
    lock_timeout: timeoutMs,
    // The client-side deadline, for a database that stops answering without closing the connection.
    query_timeout: timeoutMs + 1000,
    idle_in_transaction_session_timeout: timeoutMs * 2,
    keepAlive: true,
  });
  pool.on('error', (err) => o.onConnectionError?.(err));
  return postgresStore(pool, { max: o.poolMax ?? 10, events: o.events ?? null });
}

/** The SQLSTATE classes that mean "not now" rather than "wrong": connection, resources, operator, system. */
const UNAVAILABLE_CLASSES = new Set(['08', '53', '57', '58']);
/** lock_not_available (lock_timeout), serialization_failure, deadlock_detected, read_only_sql_transaction. */
const UNAVAILABLE_CODES = new Set(['55P03', '40001', '40P01', '25006']);
/** Driver errors without a SQLSTATE: the connection failed, closed, or timed out. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
const DRIVER_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Query read timeout|not queryable|Cannot use a pool after calling end/;

function isUnavailable(err: unknown): boolean {
  if (err instanceof pg.DatabaseError) {
    const code = err.code ?? '';
    return UNAVAILABLE_CLASSES.has(code.slice(0, 2)) || UNAVAILABLE_CODES.has(code);
  }
  const e = err as { code?: unknown; message?: unknown } | null;
  return (
    (typeof e?.code === 'string' && NETWORK_CODES.has(e.code)) ||
    (typeof e?.message === 'string' && DRIVER_MESSAGES.test(e.message))
  );
}

function unavailable(err: unknown): unknown {
  if (!isUnavailable(err)) return err;
  const reason = err instanceof Error ? err.message : String(err);
  return new StorageUnavailableError(`the database did not answer in time or is unreachable: ${reason}`, {
    cause: err,
  });
}

type Db = pg.Pool | pg.PoolClient;
interface Statement {
  name: string;
  text: string;
}

/** A named statement: parsed once per connection. Columns are listed (never `*`) so a migration cannot change a cached plan's result. */
const sql = (name: string, text: string): Statement => ({ name, text });

const USER_COLUMNS = 'id, tiki_customer_id, name, created_at, updated_at';
const TOKEN_COLUMNS = `user_id, key_id, access_token, refresh_token, access_expires_at, scopes, generation,
  updated_at, lease_owner, lease_expires_at`;
const CODE_COLUMNS = 'code_hash, state, user_id, created_at, settled_at, owner, claim_expires_at';
const ORDER_COLUMNS = `id, user_id, state, status, grand_total, items, tiki_order_id, idempotency_key,
  request_hash, last_message_at, checked_at, claim_owner, claim_expires_at, paid_at, fulfilled_at, fulfil_attempts,
  retry_at, cancel_reason, created_at, updated_at`;
/** A claim that is nobody's, or whose owner let it expire ($now: the parameter holding now). */
const claimFree = (now: string) => `(claim_owner IS NULL OR claim_expires_at <= ${now})`;
/** What applyStatus and applyIpnMessage set: $1 Tiki's id, $2 status, $3 paid online, $4 message time, $5 now. */
const APPLY_STATUS_SET = `tiki_order_id = COALESCE(tiki_order_id, $1),
       status = CASE WHEN status IN (${FINAL}) THEN status ELSE $2 END,
       state = 'created',
       paid_at = CASE WHEN paid_at IS NULL AND $3::boolean AND status NOT IN (${FINAL}) THEN $5 ELSE paid_at END,
       cancel_reason = CASE WHEN $2 = 'canceled' AND status NOT IN (${FINAL})
         THEN COALESCE(cancel_reason, 'tiki') ELSE cancel_reason END,
       last_message_at = GREATEST(last_message_at, $4::bigint),
       updated_at = $5`;

/**
 * The order's status before applyStatus writes it ($6: the id), read under the row lock: a concurrent write
 * commits first, and this reads its status, so a change two instances both apply is counted by one.
 */
const STATUS_BEFORE = `(SELECT id AS before_id, status AS before_status FROM orders WHERE id = $6 FOR UPDATE) AS b`;
type StatusWritten = OrderRow & { before_status: OrderStatus | null };

const S = {
  ping: sql('ping', 'SELECT pg_is_in_recovery() AS in_recovery'),
  upsertUser: sql(
    'upsertUser',
    `INSERT INTO users (id, tiki_customer_id, name, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)
     ON CONFLICT (tiki_customer_id) DO UPDATE SET name = excluded.name, updated_at = excluded.updated_at
     RETURNING ${USER_COLUMNS}`,
  ),
  getUser: sql('getUser', `SELECT ${USER_COLUMNS} FROM users WHERE id = $1`),
  // Taken by every transaction that decides whether a user keeps their Tiki tokens (login, logout, prune).
  lockUser: sql('lockUser', 'SELECT 1 FROM users WHERE id = $1 FOR UPDATE'),
  createSession: sql(
    'createSession',
    'INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at) VALUES ($1, $2, $3, $4, $5)',
  ),
  findSession: sql(
    'findSession',
    `SELECT s.token_hash, s.user_id, s.created_at, s.last_seen_at, s.expires_at, u.tiki_customer_id, u.name,
       u.created_at AS user_created_at, u.updated_at AS user_updated_at, t.scopes
     FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN tiki_tokens t ON t.user_id = s.user_id
     WHERE s.token_hash = $1`,
  ),
  findSessionWithTokens: sql(
    'findSessionWithTokens',
    `SELECT s.token_hash, s.user_id, s.created_at, s.last_seen_at, s.expires_at, u.tiki_customer_id, u.name,
       u.created_at AS user_created_at, u.updated_at AS user_updated_at, t.scopes, t.key_id, t.access_token,
       t.refresh_token, t.access_expires_at, t.generation, t.updated_at AS tokens_updated_at
     FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN tiki_tokens t ON t.user_id = s.user_id
     WHERE s.token_hash = $1`,
  ),
  touchSession: sql(
    'touchSession',
    'UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2 AND last_seen_at < $1',
  ),
  deleteSession: sql('deleteSession', 'DELETE FROM sessions WHERE token_hash = $1 RETURNING user_id'),
  deleteTokensWithoutSession: sql(
    'deleteTokensWithoutSession',
    'DELETE FROM tiki_tokens WHERE user_id = $1 AND NOT EXISTS (SELECT 1 FROM sessions WHERE user_id = $1)',
  ),
  lockOrphanedTokenUsers: sql(
    'lockOrphanedTokenUsers',
    `SELECT u.id FROM users u JOIN tiki_tokens t ON t.user_id = u.id
     WHERE NOT EXISTS (SELECT 1 FROM sessions s WHERE s.user_id = u.id)
     FOR UPDATE OF u SKIP LOCKED`,
  ),
  deleteOrphanedTokens: sql(
    'deleteOrphanedTokens',
    `DELETE FROM tiki_tokens t WHERE t.user_id = ANY($1::text[])
       AND NOT EXISTS (SELECT 1 FROM sessions s WHERE s.user_id = t.user_id)`,
  ),
  userIdOfCustomer: sql('userIdOfCustomer', 'SELECT id FROM users WHERE tiki_customer_id = $1'),
  /**
   * A login's writes as one statement (one round trip, its own transaction): the user upserted by customer id
   * ($1 the id a new customer gets), then, only if the user it settled on is $5 (the user the sealed tokens and
   * the session were built for), the grant, the session, the code's outcome and the failed-login take-back.
   * The upsert locks the user's row first, as lockUser does for logout and prune: a logout racing this login
   * waits for it, then sees its session. Data-modifying WITH parts run to completion whether read or not.
   */
  saveLogin: sql(
    'saveLogin',
    `WITH u AS (
       INSERT INTO users (id, tiki_customer_id, name, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)
       ON CONFLICT (tiki_customer_id) DO UPDATE SET name = excluded.name, updated_at = excluded.updated_at
       RETURNING ${USER_COLUMNS}
     ), ok AS (
       SELECT id FROM u WHERE id = $5
     ), t AS (
       INSERT INTO tiki_tokens (user_id, key_id, access_token, refresh_token, access_expires_at, scopes,
         generation, updated_at, lease_owner, lease_expires_at)
       SELECT ok.id, $6, $7, $8, $9, $10, 1, $4, NULL, NULL FROM ok
       ON CONFLICT (user_id) DO UPDATE SET key_id = excluded.key_id, access_token = excluded.access_token,
         refresh_token = excluded.refresh_token, access_expires_at = excluded.access_expires_at,
         scopes = excluded.scopes, generation = tiki_tokens.generation + 1, updated_at = excluded.updated_at,
         lease_owner = NULL, lease_expires_at = NULL
       RETURNING ${TOKEN_COLUMNS}
     ), s AS (
       INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at)
       SELECT $11, ok.id, $12, $13, $14 FROM ok
     ), c AS (
       UPDATE auth_codes SET state = 'succeeded', user_id = $5, settled_at = $4, claim_expires_at = NULL
       WHERE code_hash = $15 AND owner = $16 AND state = 'pending' AND EXISTS (SELECT 1 FROM ok)
     ), r AS (
       UPDATE rate_limits SET hits = GREATEST(hits - 1, 0)
       WHERE key = $17 AND reset_at > $4 AND EXISTS (SELECT 1 FROM ok)
     )
     SELECT u.id AS u_id, u.tiki_customer_id AS u_tiki_customer_id, u.name AS u_name,
       u.created_at AS u_created_at, u.updated_at AS u_updated_at, t.*
     FROM u LEFT JOIN t ON true`,
  ),
  saveTokens: sql(
    'saveTokens',
    `INSERT INTO tiki_tokens (user_id, key_id, access_token, refresh_token, access_expires_at, scopes,
       generation, updated_at, lease_owner, lease_expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, 1, $7, NULL, NULL)
     ON CONFLICT (user_id) DO UPDATE SET key_id = excluded.key_id, access_token = excluded.access_token,
       refresh_token = excluded.refresh_token, access_expires_at = excluded.access_expires_at,
       scopes = excluded.scopes, generation = tiki_tokens.generation + 1, updated_at = excluded.updated_at,
       lease_owner = NULL, lease_expires_at = NULL
     RETURNING ${TOKEN_COLUMNS}`,
  ),
  getTokens: sql('getTokens', `SELECT ${TOKEN_COLUMNS} FROM tiki_tokens WHERE user_id = $1`),
  deleteTokens: sql('deleteTokens', 'DELETE FROM tiki_tokens WHERE user_id = $1'),
  deleteTokensAt: sql('deleteTokensAt', 'DELETE FROM tiki_tokens WHERE user_id = $1 AND generation = $2'),
  takeLease: sql(
    'takeLease',
    `UPDATE tiki_tokens SET lease_owner = $3, lease_expires_at = $4::bigint + $5::bigint
     WHERE user_id = $1 AND generation = $2
       AND (lease_owner IS NULL OR lease_owner = $3 OR lease_expires_at <= $4::bigint)
     RETURNING ${TOKEN_COLUMNS}`,
  ),
  completeRefresh: sql(
    'completeRefresh',
    `UPDATE tiki_tokens SET key_id = $1, access_token = $2, refresh_token = $3, access_expires_at = $4,
       scopes = $5, generation = generation + 1, updated_at = $6, lease_owner = NULL, lease_expires_at = NULL
     WHERE user_id = $7 AND generation = $8
       AND (lease_owner IS NULL OR lease_owner = $9 OR lease_expires_at <= $6)
     RETURNING ${TOKEN_COLUMNS}`,
  ),
  releaseLease: sql(
    'releaseLease',
    'UPDATE tiki_tokens SET lease_owner = NULL, lease_expires_at = NULL WHERE user_id = $1 AND lease_owner = $2',
  ),
  // A new claim, or the takeover of a pending one whose owner let it expire.
  claimCode: sql(
    'claimCode',
    `INSERT INTO auth_codes (code_hash, state, user_id, created_at, settled_at, owner, claim_expires_at)
     VALUES ($1, 'pending', NULL, $2, NULL, $3, $4)
     ON CONFLICT (code_hash) DO UPDATE SET owner = excluded.owner, claim_expires_at = excluded.claim_expires_at
     WHERE auth_codes.state = 'pending' AND auth_codes.claim_expires_at <= $2`,
  ),
  getCode: sql('getCode', `SELECT ${CODE_COLUMNS} FROM auth_codes WHERE code_hash = $1`),
  settleCode: sql(
    'settleCode',
    `UPDATE auth_codes SET state = $1, user_id = $2, settled_at = $3, claim_expires_at = NULL
     WHERE code_hash = $4 AND owner = $5 AND state = 'pending'`,
  ),
  releaseCode: sql(
    'releaseCode',
    "DELETE FROM auth_codes WHERE code_hash = $1 AND owner = $2 AND state = 'pending'",
  ),
  pruneSessions: sql('pruneSessions', 'DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2'),
  pruneCodes: sql('pruneCodes', 'DELETE FROM auth_codes WHERE created_at < $1'),
  // One statement per hit: a window that ended starts again at 1 (see rate-limits.ts).
  hitLimit: sql(
    'hitLimit',
    `INSERT INTO rate_limits (key, hits, reset_at) VALUES ($1, 1, $2::bigint + $3::bigint)
     ON CONFLICT (key) DO UPDATE SET
       hits = CASE WHEN rate_limits.reset_at <= $2::bigint THEN 1 ELSE rate_limits.hits + 1 END,
       reset_at = CASE WHEN rate_limits.reset_at <= $2::bigint THEN $2::bigint + $3::bigint ELSE rate_limits.reset_at END
     RETURNING hits, reset_at`,
  ),
  unhitLimit: sql(
    'unhitLimit',
    'UPDATE rate_limits SET hits = GREATEST(hits - 1, 0) WHERE key = $1 AND reset_at > $2',
  ),
  resetLimit: sql('resetLimit', 'DELETE FROM rate_limits WHERE key = $1'),
  pruneLimits: sql('pruneLimits', 'DELETE FROM rate_limits WHERE reset_at <= $1'),

  insertOrder: sql(
    'insertOrder',
    `INSERT INTO orders (id, user_id, state, status, grand_total, items, idempotency_key, request_hash,
       created_at, updated_at)
     VALUES ($1, $2, 'creating', $3, $4, $5, $6, $7, $8, $8)
     ON CONFLICT (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
     RETURNING ${ORDER_COLUMNS}`,
  ),
  orderByKey: sql(
    'orderByKey',
    `SELECT ${ORDER_COLUMNS} FROM orders WHERE user_id = $1 AND idempotency_key = $2`,
  ),
  // A key free again (see keyIsFree, checked again here): the old order keeps its history, not the key.
  releaseOldKey: sql(
    'releaseOldKey',
    `UPDATE orders SET idempotency_key = NULL
     WHERE id = $1 AND (created_at <= $2 OR (state = 'creating' AND created_at <= $3))`,
  ),
  attachOrder: sql(
    'attachOrder',
    `UPDATE orders SET tiki_order_id = COALESCE(tiki_order_id, $1),
       status = CASE WHEN state = 'creating' THEN $2 ELSE status END, state = 'created', updated_at = $3
     WHERE id = $4 RETURNING ${ORDER_COLUMNS}`,
  ),
  abandonOrder: sql('abandonOrder', "DELETE FROM orders WHERE id = $1 AND state = 'creating'"),
  getOrder: sql('getOrder', `SELECT ${ORDER_COLUMNS} FROM orders WHERE id = $1`),
  orderByTikiId: sql('orderByTikiId', `SELECT ${ORDER_COLUMNS} FROM orders WHERE tiki_order_id = $1`),
  listOrders: sql(
    'listOrders',
    `SELECT ${ORDER_COLUMNS} FROM orders WHERE user_id = $1 AND state = 'created'
     ORDER BY created_at DESC, id DESC LIMIT $2`,
  ),
  listOrdersBefore: sql(
    'listOrdersBefore',
    `SELECT ${ORDER_COLUMNS} FROM orders WHERE user_id = $1 AND state = 'created' AND (created_at, id) < ($2, $3)
     ORDER BY created_at DESC, id DESC LIMIT $4`,
  ),
  // A final order (completed, canceled) is never written again; Tiki's word is applied otherwise.
  applyStatus: sql(
    'applyStatus',
    `UPDATE orders SET ${APPLY_STATUS_SET} FROM ${STATUS_BEFORE}
     WHERE id = $6 AND before_id = id AND status NOT IN (${FINAL}) RETURNING before_status, ${ORDER_COLUMNS}`,
  ),
  // One statement, one transaction: the message is recorded and the status applied, or neither (a duplicate).
  // `recorded` tells a duplicate from a final order, which records the message and writes nothing else.
  applyIpnMessage: sql(
    'applyIpnMessage',
    `WITH m AS (
       INSERT INTO ipn_messages (message_id, order_id, created_at, applied_at) VALUES ($7, $8, $9, $5)
       ON CONFLICT (message_id) DO NOTHING RETURNING 1
     ), u AS (
       UPDATE orders SET ${APPLY_STATUS_SET} FROM ${STATUS_BEFORE}
       WHERE id = $6 AND before_id = id AND status NOT IN (${FINAL}) AND EXISTS (SELECT 1 FROM m)
       RETURNING before_status, ${ORDER_COLUMNS}
     )
     SELECT EXISTS (SELECT 1 FROM m) AS recorded, u.* FROM (SELECT 1) AS one LEFT JOIN u ON true`,
  ),
  claimCheck: sql(
    'claimCheck',
    'UPDATE orders SET checked_at = $1 WHERE id = $2 AND (checked_at IS NULL OR checked_at <= $3)',
  ),
  // Rows another instance's sweep holds are skipped: sweeps running at once take different orders.
  claimSweep: sql(
    'claimSweep',
    `UPDATE orders SET checked_at = $1
     WHERE id IN (
       SELECT id FROM orders WHERE status NOT IN (${FINAL}) AND state = 'created' AND tiki_order_id IS NOT NULL
         AND (checked_at IS NULL OR checked_at <= $2)
       ORDER BY checked_at NULLS FIRST LIMIT $3 FOR UPDATE SKIP LOCKED)
       AND (checked_at IS NULL OR checked_at <= $2)
     RETURNING ${ORDER_COLUMNS}`,
  ),
  claimFulfil: sql(
    'claimFulfil',
    `UPDATE orders SET claim_owner = $1, claim_expires_at = $2::bigint + $3::bigint,
       fulfil_attempts = fulfil_attempts + 1
     WHERE id = $4 AND paid_at IS NOT NULL AND fulfilled_at IS NULL AND cancel_reason IS NULL
       AND status NOT IN (${FINAL}) AND ${claimFree('$2')} AND (retry_at IS NULL OR retry_at <= $2)`,
  ),
  renewClaim: sql(
    'renewClaim',
    `UPDATE orders SET claim_expires_at = $2::bigint + $3::bigint
     WHERE id = $4 AND claim_owner = $1 AND claim_expires_at > $2`,
  ),
  finishFulfil: sql(
    'finishFulfil',
    `UPDATE orders SET fulfilled_at = $1, updated_at = $1, claim_owner = NULL, claim_expires_at = NULL,
       retry_at = NULL
     WHERE id = $2 AND claim_owner = $3 AND fulfilled_at IS NULL`,
  ),
  // After the last attempt the owner keeps its claim: it goes on to cancel the order at Tiki.
  failFulfil: sql(
    'failFulfil',
    `UPDATE orders SET
       cancel_reason = CASE WHEN fulfil_attempts >= $4 THEN 'fulfilment_failed' ELSE cancel_reason END,
       retry_at = CASE WHEN fulfil_attempts >= $4 THEN NULL ELSE $3::bigint END,
       claim_owner = CASE WHEN fulfil_attempts >= $4 THEN claim_owner END,
       claim_expires_at = CASE WHEN fulfil_attempts >= $4 THEN claim_expires_at END,
       updated_at = $2
     WHERE id = $5 AND claim_owner = $1 AND fulfilled_at IS NULL RETURNING ${ORDER_COLUMNS}`,
  ),
  claimCancel: sql(
    'claimCancel',
    `UPDATE orders SET claim_owner = $1, claim_expires_at = $2::bigint + $3::bigint,
       cancel_reason = COALESCE(cancel_reason, $4), updated_at = $2
     WHERE id = $5 AND status NOT IN (${FINAL}) AND fulfilled_at IS NULL
       AND (claim_owner = $1 OR ${claimFree('$2')})
       AND (cancel_reason IS NOT NULL OR (paid_at IS NULL AND fulfil_attempts = 0))
     RETURNING ${ORDER_COLUMNS}`,
  ),
  cashDelivery: sql(
    'cashDelivery',
    `UPDATE orders SET paid_at = COALESCE(paid_at, $1), fulfilled_at = $1, updated_at = $1
     WHERE id = $2 AND status NOT IN (${FINAL}) AND fulfilled_at IS NULL AND cancel_reason IS NULL
       AND ${claimFree('$1')}
     RETURNING ${ORDER_COLUMNS}`,
  ),
  withdrawCancel: sql(
    'withdrawCancel',
    `UPDATE orders SET cancel_reason = NULL, claim_owner = NULL, claim_expires_at = NULL
     WHERE id = $1 AND claim_owner = $2 AND status NOT IN (${FINAL})`,
  ),
  releaseClaim: sql(
    'releaseClaim',
    'UPDATE orders SET claim_owner = NULL, claim_expires_at = NULL WHERE id = $1 AND claim_owner = $2',
  ),
  recordMessage: sql(
    'recordMessage',
    `INSERT INTO ipn_messages (message_id, order_id, created_at, applied_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (message_id) DO NOTHING`,
  ),
  // The open orders' partial index (orders_open) holds every row this reads.
  oldestPaid: sql(
    'oldestPaid',
    `SELECT MIN(paid_at) AS paid_at FROM orders
     WHERE status NOT IN (${FINAL}) AND paid_at IS NOT NULL AND fulfilled_at IS NULL`,
  ),
  hasMessage: sql('hasMessage', 'SELECT 1 AS found FROM ipn_messages WHERE message_id = $1'),
  pruneCreating: sql('pruneCreating', "DELETE FROM orders WHERE state = 'creating' AND created_at < $1"),
} as const;

/** Every statement goes through here: the driver's failures to reach the database become StorageUnavailableError. */
async function run<R extends pg.QueryResultRow = pg.QueryResultRow>(
  db: Db,
  statement: Statement,
  values: unknown[],
): Promise<pg.QueryResult<R>> {
  try {
    return await db.query<R>({ name: statement.name, text: statement.text, values });
  } catch (err) {
    throw unavailable(err);
  }
}

/** How often a two-step claim is retried when the row it lost to disappeared in between (released, never stuck). */
const CLAIM_ATTEMPTS = 5;
const LOGIN_ATTEMPTS = 3;

/** The row of the saveLogin statement: the user (prefixed) and the grant, or nulls when nothing was written. */
type SavedLoginRow = {
  u_id: string;
  u_tiki_customer_id: UserRow['tiki_customer_id'];
  u_name: string;
  u_created_at: UserRow['created_at'];
  u_updated_at: UserRow['updated_at'];
} & (TokensRow | { [K in keyof TokensRow]: null });

function postgresStore(
  pool: pg.Pool,
  o: { max: number; events: Pick<StoreEvents, 'orderStatusChanged'> | null },
): Store {
  /** One transaction on one connection; any failure destroys the connection, and the database rolls it back. */
  async function transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (err) {
      throw unavailable(err);
    }
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      client.release();
      return result;
    } catch (err) {
      client.release(true);
      throw unavailable(err);
    }
  }

  const first = <R extends pg.QueryResultRow>(result: pg.QueryResult<R>): R | undefined => result.rows[0];
  const changed = (result: pg.QueryResult) => (result.rowCount ?? 0) > 0;
  const statusValues = (id: string, t: TikiStatusUpdate) => [
    t.tikiOrderId,
    t.status,
    t.paidOnline,
    t.messageAt,
    t.now,
    id,
  ];
  /** A row applyStatus or applyIpnMessage wrote, with the status it had under the row lock before. */
  const toldOfChange = (row: (OrderRow & { before_status: OrderStatus | null }) | undefined) => {
    if (row?.before_status != null && row.before_status !== row.status) {
      o.events?.orderStatusChanged(row.before_status, row.status);
    }
  };
  const orderOrNull = (result: pg.QueryResult<OrderRow>) => {
    const row = first(result);
    return row === undefined ? null : toOrder(row);
  };
  const tokenValues = (t: SealedTikiTokens) => [
    t.keyId,
    t.accessToken,
    t.refreshToken,
    t.accessExpiresAt,
    JSON.stringify(t.scopes),
  ];
  const saveTokens = async (db: Db, userId: string, t: SealedTikiTokens, now: number) =>
    toTokens(first(await run<TokensRow>(db, S.saveTokens, [userId, ...tokenValues(t), now])) as TokensRow);
  const createSession = (db: Db, s: SessionRecord) =>
    run(db, S.createSession, [s.tokenHash, s.userId, s.createdAt, s.lastSeenAt, s.expiresAt]);

  let closed = false;
  return {
    async ping() {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(new StorageUnavailableError(`the database did not answer within ${READINESS_WAIT_MS} ms`)),
          READINESS_WAIT_MS,
        );
      });
      try {
        const row = first(await Promise.race([run<{ in_recovery: boolean }>(pool, S.ping, []), deadline]));
        // A standby answers reads but refuses every write: an instance pointed at one is not ready.
        if (row?.in_recovery) throw new StorageUnavailableError('the database is a read-only standby');
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
    poolStats: () => ({
      total: pool.totalCount,
      idle: pool.idleCount,
      waiting: pool.waitingCount,
      max: o.max,
    }),

    async upsertUser(u) {
      return toUser(
        first(await run<UserRow>(pool, S.upsertUser, [u.id, u.tikiCustomerId, u.name, u.now])) as UserRow,
      );
    },
    async getUser(id) {
      const row = first(await run<UserRow>(pool, S.getUser, [id]));
      return row ? toUser(row) : null;
    },

    async createSession(s) {
      await createSession(pool, s);
    },
    async findSession(tokenHash, o) {
      const statement = o?.withTokens ? S.findSessionWithTokens : S.findSession;
      const row = first(await run<SessionWithUserRow>(pool, statement, [tokenHash]));
      return row ? toSessionWithUser(row) : null;
    },
    async touchSession(tokenHash, now) {
      await run(pool, S.touchSession, [now, tokenHash]);
    },
    async deleteSession(tokenHash) {
      await transaction(async (c) => {
        const ended = first(await run<{ user_id: string }>(c, S.deleteSession, [tokenHash]));
        if (!ended) return;
        // After the lock, this transaction sees every session committed by a login or logout it waited for.
        await run(c, S.lockUser, [ended.user_id]);
        await run(c, S.deleteTokensWithoutSession, [ended.user_id]);
      });
    },

    async saveLogin(i) {
      const u = i.user;
      // The user's id if the customer is known: the rows are built for it before the one statement runs.
      const known = first(await run<{ id: string }>(pool, S.userIdOfCustomer, [u.tikiCustomerId]));
      let userId = known?.id ?? u.id;
      for (let attempt = 0; attempt < LOGIN_ATTEMPTS; attempt++) {
        const { tokens, session } = rowsFor(userId, i.rows);
        const row = first(
          await run<SavedLoginRow>(pool, S.saveLogin, [
            u.id,
            u.tikiCustomerId,
            u.name,
            i.now,
            userId,
            ...tokenValues(tokens),
            session.tokenHash,
            session.createdAt,
            session.lastSeenAt,
            session.expiresAt,
            i.code?.codeHash ?? null,
            i.code?.owner ?? null,
            i.takeBackAttempt ?? null,
          ]),
        ) as SavedLoginRow;
        const user = toUser({
          id: row.u_id,
          tiki_customer_id: row.u_tiki_customer_id,
          name: row.u_name,
          created_at: row.u_created_at,
          updated_at: row.u_updated_at,
        });
        if (row.user_id !== null) return { user, tokens: toTokens(row) };
        // The customer's first login elsewhere created them between our read and our write: nothing but the
        // name was written; build the rows again for the user they are.
        userId = user.id;
      }
      throw new StorageUnavailableError(`the login's user kept changing (${LOGIN_ATTEMPTS} attempts)`);
    },
    async saveTikiTokens(userId, t, now) {
      return saveTokens(pool, userId, t, now);
    },
    async getTikiTokens(userId) {
      const row = first(await run<TokensRow>(pool, S.getTokens, [userId]));
      return row ? toTokens(row) : null;
    },
    async deleteTikiTokens(userId, generation) {
      const result =
        generation === undefined
          ? await run(pool, S.deleteTokens, [userId])
          : await run(pool, S.deleteTokensAt, [userId, generation]);
      return changed(result);
    },

    async acquireRefreshLease(i): Promise<RefreshLease> {
      const taken = first(
        await run<TokensRow>(pool, S.takeLease, [i.userId, i.seenGeneration, i.owner, i.now, i.leaseMs]),
      );
      if (taken) return { kind: 'acquired', tokens: toTokens(taken) };
      const row = first(await run<TokensRow>(pool, S.getTokens, [i.userId]));
      if (!row) return { kind: 'gone' };
      if (row.generation !== i.seenGeneration) return { kind: 'advanced', tokens: toTokens(row) };
      // Held by another owner (or freed a moment ago: asking again soon is what "busy" means).
      return { kind: 'busy' };
    },
    async completeRefresh(i) {
      const row = first(
        await run<TokensRow>(pool, S.completeRefresh, [
          ...tokenValues(i.tokens),
          i.now,
          i.userId,
          i.generation,
          i.owner,
        ]),
      );
      return row ? toTokens(row) : null;
    },
    async releaseRefreshLease(userId, owner) {
      await run(pool, S.releaseLease, [userId, owner]);
    },

    async claimAuthCode(codeHash, claim) {
      for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
        const values = [codeHash, claim.now, claim.owner, claim.now + claim.claimMs];
        if (changed(await run(pool, S.claimCode, values))) return { claimed: true };
        const row = first(await run<CodeRow>(pool, S.getCode, [codeHash]));
        if (row) return { claimed: false, record: toCode(row) };
        // Its owner released it between our two statements: claim it again.
      }
      throw new StorageUnavailableError(
        `the auth code claim kept changing hands (${CLAIM_ATTEMPTS} attempts)`,
      );
    },
    async settleAuthCode(codeHash, owner, outcome) {
      await run(pool, S.settleCode, [outcome.state, outcome.userId, outcome.now, codeHash, owner]);
    },
    async releaseAuthCode(codeHash, owner) {
      await run(pool, S.releaseCode, [codeHash, owner]);
    },
    async getAuthCode(codeHash) {
      const row = first(await run<CodeRow>(pool, S.getCode, [codeHash]));
      return row ? toCode(row) : null;
    },

    async hitRateLimit(key, windowMs, now) {
      const row = first(
        await run<{ hits: number; reset_at: number }>(pool, S.hitLimit, [key, now, windowMs]),
      );
      if (!row) throw new Error('the rate limit upsert returned no row');
      return { hits: row.hits, resetAt: row.reset_at };
    },
    async unhitRateLimit(key, now) {
      await run(pool, S.unhitLimit, [key, now]);
    },
    async resetRateLimit(key) {
      await run(pool, S.resetLimit, [key]);
    },

    async createOrder(order: NewOrder, keys) {
      for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
        const inserted = first(
          await run<OrderRow>(pool, S.insertOrder, [
            order.id,
            order.userId,
            INITIAL_ORDER_STATUS,
            order.grandTotal,
            JSON.stringify(order.items),
            order.idempotencyKey,
            order.requestHash,
            order.now,
          ]),
        );
        if (inserted) return { created: true as const, order: toOrder(inserted) };
        // The key is taken (only a key can conflict here: a duplicate id is an error, not a retry).
        const existing = first(await run<OrderRow>(pool, S.orderByKey, [order.userId, order.idempotencyKey]));
        if (existing === undefined) continue;
        if (!keyIsFree(existing, order.now, keys))
          return { created: false as const, existing: toOrder(existing) };
        await run(pool, S.releaseOldKey, [
          existing.id,
          order.now - keys.windowMs,
          order.now - keys.creatingStaleMs,
        ]);
      }
      throw new StorageUnavailableError(
        `the idempotency key kept changing hands (${CLAIM_ATTEMPTS} attempts)`,
      );
    },
    async attachTikiOrder(id, tiki) {
      return orderOrNull(
        await run<OrderRow>(pool, S.attachOrder, [tiki.tikiOrderId, tiki.status, tiki.now, id]),
      );
    },
    async abandonOrder(id) {
      await run(pool, S.abandonOrder, [id]);
    },
    async getOrder(id) {
      return orderOrNull(await run<OrderRow>(pool, S.getOrder, [id]));
    },
    async findOrderByTikiId(tikiOrderId) {
      return orderOrNull(await run<OrderRow>(pool, S.orderByTikiId, [tikiOrderId]));
    },
    async listOrders(userId, page) {
      const result =
        page.before === undefined
          ? await run<OrderRow>(pool, S.listOrders, [userId, page.limit])
          : await run<OrderRow>(pool, S.listOrdersBefore, [
              userId,
              page.before.createdAt,
              page.before.id,
              page.limit,
            ]);
      return result.rows.map(toOrder);
    },
    async applyTikiStatus(id, tiki) {
      const written = first(await run<StatusWritten>(pool, S.applyStatus, statusValues(id, tiki)));
      toldOfChange(written);
      return written === undefined
        ? orderOrNull(await run<OrderRow>(pool, S.getOrder, [id]))
        : toOrder(written);
    },
    async applyIpnMessage(id, tiki, m) {
      const values = [...statusValues(id, tiki), m.messageId, m.orderId, m.createdAt];
      const row = first(await run<StatusWritten & { recorded: boolean }>(pool, S.applyIpnMessage, values));
      toldOfChange(row);
      if (row?.id != null) return { order: toOrder(row), duplicate: false };
      const order = orderOrNull(await run<OrderRow>(pool, S.getOrder, [id]));
      return order === null ? null : { order, duplicate: !row?.recorded };
    },
    async claimStatusCheck(id, now, minIntervalMs) {
      return changed(await run(pool, S.claimCheck, [now, id, now - minIntervalMs]));
    },
    async claimSweepBatch(i) {
      return (await run<OrderRow>(pool, S.claimSweep, [i.now, i.checkedBefore, i.limit])).rows.map(toOrder);
    },
    async claimFulfilment(id, c) {
      return changed(await run(pool, S.claimFulfil, [c.owner, c.now, c.claimMs, id]));
    },
    async renewClaim(id, c) {
      return changed(await run(pool, S.renewClaim, [c.owner, c.now, c.claimMs, id]));
    },
    async finishFulfilment(id, owner, now) {
      return changed(await run(pool, S.finishFulfil, [now, id, owner]));
    },
    async failFulfilment(id, owner, i) {
      return orderOrNull(
        await run<OrderRow>(pool, S.failFulfil, [owner, i.now, i.retryAt, i.maxAttempts, id]),
      );
    },
    async claimCancel(id, c) {
      return orderOrNull(await run<OrderRow>(pool, S.claimCancel, [c.owner, c.now, c.claimMs, c.reason, id]));
    },
    async recordCashDelivery(id, now) {
      return orderOrNull(await run<OrderRow>(pool, S.cashDelivery, [now, id]));
    },
    async withdrawCancel(id, owner) {
      return changed(await run(pool, S.withdrawCancel, [id, owner]));
    },
    async releaseClaim(id, owner) {
      await run(pool, S.releaseClaim, [id, owner]);
    },
    async oldestUnfulfilledPaidAt() {
      const row = first(await run<{ paid_at: number | null }>(pool, S.oldestPaid, []));
      return row?.paid_at ?? null;
    },
    async recordIpnMessage(m) {
      return changed(await run(pool, S.recordMessage, [m.messageId, m.orderId, m.createdAt, m.now]));
    },
    async hasIpnMessage(messageId) {
      return first(await run(pool, S.hasMessage, [messageId])) !== undefined;
    },

    async prune(i) {
      const count = (result: pg.QueryResult) => result.rowCount ?? 0;
      const sessions = count(await run(pool, S.pruneSessions, [i.now, i.now - i.idleTimeoutMs]));
      const codes = count(await run(pool, S.pruneCodes, [i.codesBefore]));
      // Users whose login or logout is in progress are locked by it, and skipped until the next prune.
      const tikiTokens = await transaction(async (c) => {
        const users = (await run<{ id: string }>(c, S.lockOrphanedTokenUsers, [])).rows.map((row) => row.id);
        return users.length === 0 ? 0 : count(await run(c, S.deleteOrphanedTokens, [users]));
      });
      const orders = count(await run(pool, S.pruneCreating, [i.codesBefore]));
      const rateLimits = count(await run(pool, S.pruneLimits, [i.now]));
      return { sessions, codes, tikiTokens, orders, rateLimits };
    },
  };
}
