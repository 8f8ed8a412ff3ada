/**
 * The SQLite store's migrations (see migrate.ts). `PRAGMA user_version` records how many ran; they run in the
 * IMMEDIATE transaction that read it, so two processes opening the file together migrate once.
 */
export const SQLITE_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE users (
    id TEXT PRIMARY KEY,
    tiki_customer_id INTEGER NOT NULL UNIQUE,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  ) STRICT;

  CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX sessions_user_id ON sessions(user_id);
  CREATE INDEX sessions_expires_at ON sessions(expires_at);
  CREATE INDEX sessions_last_seen_at ON sessions(last_seen_at);

  CREATE TABLE tiki_tokens (
    user_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    key_id TEXT NOT NULL,
    access_token BLOB NOT NULL,
    refresh_token BLOB,
    access_expires_at INTEGER NOT NULL,
    scopes TEXT NOT NULL,
    generation INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    lease_owner TEXT,
    lease_expires_at INTEGER
  ) STRICT;

  CREATE TABLE auth_codes (
    code_hash TEXT PRIMARY KEY,
    state TEXT NOT NULL CHECK (state IN ('pending', 'succeeded', 'rejected', 'failed')),
    user_id TEXT,
    created_at INTEGER NOT NULL,
    settled_at INTEGER
  ) STRICT;
  CREATE INDEX auth_codes_created_at ON auth_codes(created_at);
  `,
  // A pending claim has an owner and an expiry: after a crash mid-exchange, a retry takes the claim over once
  // it expires instead of waiting and then refusing a code Tiki may never have seen. Claims left pending by an
  // older server get an expiry half a minute after they were made.
  `
  ALTER TABLE auth_codes ADD COLUMN owner TEXT;
  ALTER TABLE auth_codes ADD COLUMN claim_expires_at INTEGER;
  UPDATE auth_codes SET claim_expires_at = created_at + 30000 WHERE state = 'pending';
  `,
  // Payments: our orders, each tied to one Tiki order (`reference_id` = our id), and the IPNs applied. The
  // unique index makes one order per user and idempotency key; the fulfilment claim makes one fulfilment.
  `
  CREATE TABLE orders (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    state TEXT NOT NULL CHECK (state IN ('creating', 'created')),
    status TEXT NOT NULL,
    grand_total INTEGER NOT NULL,
    items TEXT NOT NULL,
    tiki_order_id TEXT UNIQUE,
    idempotency_key TEXT,
    request_hash TEXT,
    last_message_at INTEGER,
    checked_at INTEGER,
    fulfil_owner TEXT,
    fulfil_expires_at INTEGER,
    fulfilled_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  ) STRICT;
  CREATE UNIQUE INDEX orders_idempotency ON orders(user_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
  CREATE INDEX orders_user_created ON orders(user_id, created_at, id);

  CREATE TABLE ipn_messages (
    message_id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    applied_at INTEGER NOT NULL
  ) STRICT;
  `,
  // Request limits in the database: every process sharing it counts together (see rate-limits.ts).
  `
  CREATE TABLE rate_limits (
    key TEXT PRIMARY KEY,
    hits INTEGER NOT NULL,
    reset_at INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX rate_limits_reset_at ON rate_limits(reset_at);
  `,
  // The order's whole life: the fulfilment claim becomes the claim on any side effect (a fulfilment or a cancel
  // at Tiki, which exclude each other); when Tiki said paid online; fulfilment attempts and their backoff; why
  // it is (to be) canceled. Orders paid or fulfilled under the older server count as paid.
  `
  ALTER TABLE orders RENAME COLUMN fulfil_owner TO claim_owner;
  ALTER TABLE orders RENAME COLUMN fulfil_expires_at TO claim_expires_at;
  ALTER TABLE orders ADD COLUMN paid_at INTEGER;
  ALTER TABLE orders ADD COLUMN fulfil_attempts INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE orders ADD COLUMN retry_at INTEGER;
  ALTER TABLE orders ADD COLUMN cancel_reason TEXT
    CHECK (cancel_reason IN ('buyer', 'unpaid', 'fulfilment_failed', 'cash_on_delivery', 'tiki'));
  UPDATE orders SET paid_at = updated_at WHERE status = 'online_paid' OR fulfilled_at IS NOT NULL;
  UPDATE orders SET fulfil_attempts = 1 WHERE fulfilled_at IS NOT NULL;
  UPDATE orders SET cancel_reason = 'tiki' WHERE status = 'canceled';
  CREATE INDEX orders_open ON orders(checked_at) WHERE status NOT IN ('completed', 'canceled');
  `,
];
