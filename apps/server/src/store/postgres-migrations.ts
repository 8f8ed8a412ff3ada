/**
 * The PostgreSQL store's migrations (see migrate.ts). `schema_migrations` records each version applied; they run
 * in one transaction holding an advisory lock, so that several instances starting at once migrate once.
 *
 * Columns mirror the SQLite schema (rows.ts reads both): times are BIGINT milliseconds since the epoch, sealed
 * tokens BYTEA, lists JSON text. The first migration is the SQLite schema as of its version 4 in one step: there
 * was no PostgreSQL database before it.
 */
export const POSTGRES_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE users (
    id TEXT PRIMARY KEY,
    tiki_customer_id BIGINT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
  );

  CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
  );
  CREATE INDEX sessions_user_id ON sessions(user_id);
  CREATE INDEX sessions_expires_at ON sessions(expires_at);
  CREATE INDEX sessions_last_seen_at ON sessions(last_seen_at);

  CREATE TABLE tiki_tokens (
    user_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    key_id TEXT NOT NULL,
    access_token BYTEA NOT NULL,
    refresh_token BYTEA,
    access_expires_at BIGINT NOT NULL,
    scopes TEXT NOT NULL,
    generation INTEGER NOT NULL,
    updated_at BIGINT NOT NULL,
    lease_owner TEXT,
    lease_expires_at BIGINT
  );

  CREATE TABLE auth_codes (
    code_hash TEXT PRIMARY KEY,
    state TEXT NOT NULL CHECK (state IN ('pending', 'succeeded', 'rejected', 'failed')),
    user_id TEXT,
    created_at BIGINT NOT NULL,
    settled_at BIGINT,
    owner TEXT,
    claim_expires_at BIGINT
  );
  CREATE INDEX auth_codes_created_at ON auth_codes(created_at);

  CREATE TABLE orders (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    state TEXT NOT NULL CHECK (state IN ('creating', 'created')),
    status TEXT NOT NULL,
    grand_total BIGINT NOT NULL,
    items TEXT NOT NULL,
    tiki_order_id TEXT UNIQUE,
    idempotency_key TEXT,
    request_hash TEXT,
    last_message_at BIGINT,
    checked_at BIGINT,
    fulfil_owner TEXT,
    fulfil_expires_at BIGINT,
    fulfilled_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
  );
  CREATE UNIQUE INDEX orders_idempotency ON orders(user_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
  CREATE INDEX orders_user_created ON orders(user_id, created_at, id);

  CREATE TABLE ipn_messages (
    message_id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    applied_at BIGINT NOT NULL
  );

  CREATE TABLE rate_limits (
    key TEXT PRIMARY KEY,
    hits INTEGER NOT NULL,
    reset_at BIGINT NOT NULL
  );
  CREATE INDEX rate_limits_reset_at ON rate_limits(reset_at);
  `,
  // The order's whole life (as the SQLite store's version 5): one claim for a fulfilment or a cancel at Tiki,
  // when Tiki said paid online, fulfilment attempts and their backoff, why it is (to be) canceled.
  `
  ALTER TABLE orders RENAME COLUMN fulfil_owner TO claim_owner;
  ALTER TABLE orders RENAME COLUMN fulfil_expires_at TO claim_expires_at;
  ALTER TABLE orders ADD COLUMN paid_at BIGINT;
  ALTER TABLE orders ADD COLUMN fulfil_attempts INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE orders ADD COLUMN retry_at BIGINT;
  ALTER TABLE orders ADD COLUMN cancel_reason TEXT
    CHECK (cancel_reason IN ('buyer', 'unpaid', 'fulfilment_failed', 'cash_on_delivery', 'tiki'));
  UPDATE orders SET paid_at = updated_at WHERE status = 'online_paid' OR fulfilled_at IS NOT NULL;
  UPDATE orders SET fulfil_attempts = 1 WHERE fulfilled_at IS NOT NULL;
  UPDATE orders SET cancel_reason = 'tiki' WHERE status = 'canceled';
  CREATE INDEX orders_open ON orders (checked_at) WHERE status NOT IN ('completed', 'canceled');
  `,
];
