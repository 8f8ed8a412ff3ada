/**
 * The rows both stores read and how they become records. The SQLite and PostgreSQL schemas use the same column
 * names and the same representations (times as integer milliseconds, sealed tokens as bytes, lists as JSON text),
 * so one mapping serves both.
 */
import { FINAL_ORDER_STATUSES, type OrderStatus } from '@tini-starter/tiki-platform/order-status';
import type { CancelReason, IdempotencyKeyPolicy, OrderRecord } from './orders.ts';
import type {
  AuthCodeRecord,
  AuthCodeState,
  SealedTikiTokens,
  SessionRecord,
  SessionWithUser,
  StoredTikiTokens,
  UserRecord,
} from './store.ts';

/** What a login stores for the user its transaction settled on (Store.saveLogin), checked to be for that user. */
export function rowsFor(
  userId: string,
  rows: (userId: string) => { tokens: SealedTikiTokens; session: SessionRecord },
): { tokens: SealedTikiTokens; session: SessionRecord } {
  const built = rows(userId);
  if (built.session.userId !== userId) {
    throw new Error(`saveLogin: the session built is for user ${built.session.userId}, not ${userId}`);
  }
  return built;
}

/** Tiki's final statuses as an SQL list, for both stores' statements (migrations keep their own frozen text). */
export const FINAL_STATUSES_SQL = FINAL_ORDER_STATUSES.map((status) => `'${status}'`).join(', ');

/** Whether the order under an idempotency key gives the key up to a new attempt (see OrderStore.createOrder). */
export function keyIsFree(
  existing: Pick<OrderRow, 'created_at' | 'state'>,
  now: number,
  keys: IdempotencyKeyPolicy,
): boolean {
  return (
    existing.created_at <= now - keys.windowMs ||
    (existing.state === 'creating' && existing.created_at <= now - keys.creatingStaleMs)
  );
}

export interface UserRow {
  id: string;
  tiki_customer_id: number;
  name: string;
  created_at: number;
  updated_at: number;
}
export interface SessionWithUserRow {
  token_hash: string;
  user_id: string;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
  tiki_customer_id: number;
  name: string;
  user_created_at: number;
  user_updated_at: number;
  scopes: string | null;
}

/** The session read of a route that calls Tiki: the user's sealed tokens too (all null when none are stored). */
export interface SessionWithTokensRow extends SessionWithUserRow {
  key_id: string | null;
  access_token: Buffer | null;
  refresh_token: Buffer | null;
  access_expires_at: number | null;
  generation: number | null;
  tokens_updated_at: number | null;
}
export interface TokensRow {
  user_id: string;
  key_id: string;
  access_token: Buffer;
  refresh_token: Buffer | null;
  access_expires_at: number;
  scopes: string;
  generation: number;
  updated_at: number;
  lease_owner: string | null;
  lease_expires_at: number | null;
}
export interface CodeRow {
  code_hash: string;
  state: AuthCodeState;
  user_id: string | null;
  created_at: number;
  settled_at: number | null;
  owner: string | null;
  claim_expires_at: number | null;
}

export interface OrderRow {
  id: string;
  user_id: string;
  state: 'creating' | 'created';
  /** Only this code writes it, with a status it knows. */
  status: OrderStatus;
  grand_total: number;
  items: string;
  tiki_order_id: string | null;
  idempotency_key: string | null;
  request_hash: string | null;
  last_message_at: number | null;
  checked_at: number | null;
  claim_owner: string | null;
  claim_expires_at: number | null;
  paid_at: number | null;
  fulfilled_at: number | null;
  fulfil_attempts: number;
  retry_at: number | null;
  cancel_reason: CancelReason | null;
  created_at: number;
  updated_at: number;
}

export function toUser(row: UserRow): UserRecord {
  return {
    id: row.id,
    tikiCustomerId: row.tiki_customer_id,
    name: row.name,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function toSessionWithUser(row: SessionWithUserRow | SessionWithTokensRow): SessionWithUser {
  const scopes = row.scopes === null ? null : (JSON.parse(row.scopes) as string[]);
  const session: SessionWithUser = {
    tokenHash: row.token_hash,
    userId: row.user_id,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    expiresAt: row.expires_at,
    user: {
      id: row.user_id,
      tikiCustomerId: row.tiki_customer_id,
      name: row.name,
      createdAt: row.user_created_at,
      updatedAt: row.user_updated_at,
    },
    grantedScopes: scopes,
  };
  if (!('key_id' in row)) return session;
  session.tikiTokens =
    scopes === null
      ? null
      : {
          userId: row.user_id,
          keyId: row.key_id as string,
          accessToken: row.access_token as Buffer,
          refreshToken: row.refresh_token,
          accessExpiresAt: row.access_expires_at as number,
          scopes,
          generation: row.generation as number,
          updatedAt: row.tokens_updated_at as number,
        };
  return session;
}

export function toTokens(row: TokensRow): StoredTikiTokens {
  return {
    userId: row.user_id,
    keyId: row.key_id,
    accessToken: row.access_token,
    refreshToken: row.refresh_token,
    accessExpiresAt: row.access_expires_at,
    scopes: JSON.parse(row.scopes) as string[],
    generation: row.generation,
    updatedAt: row.updated_at,
  };
}

export function toCode(row: CodeRow): AuthCodeRecord {
  return {
    codeHash: row.code_hash,
    state: row.state,
    userId: row.user_id,
    createdAt: row.created_at,
    settledAt: row.settled_at,
    owner: row.owner,
    claimExpiresAt: row.claim_expires_at,
  };
}

export function toOrder(row: OrderRow): OrderRecord {
  return {
    id: row.id,
    userId: row.user_id,
    state: row.state,
    status: row.status,
    grandTotal: row.grand_total,
    items: JSON.parse(row.items) as OrderRecord['items'],
    tikiOrderId: row.tiki_order_id,
    idempotencyKey: row.idempotency_key,
    requestHash: row.request_hash,
    lastMessageAt: row.last_message_at,
    checkedAt: row.checked_at,
    paidAt: row.paid_at,
    fulfilledAt: row.fulfilled_at,
    fulfilAttempts: row.fulfil_attempts,
    retryAt: row.retry_at,
    cancelReason: row.cancel_reason,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
