/** The SQLite statements of the order store (see orders.ts); sqlite-store.ts wraps them like every method. */
import type { OrderStatus } from '@tini-starter/tiki-platform/order-status';
import type Database from 'better-sqlite3';
import {
  type IdempotencyKeyPolicy,
  INITIAL_ORDER_STATUS,
  type NewOrder,
  type OrderStore,
  type TikiStatusUpdate,
} from './orders.ts';
import { FINAL_STATUSES_SQL as FINAL, keyIsFree, type OrderRow, toOrder } from './rows.ts';
import type { StoreEvents } from './store.ts';

/** A claim that is nobody's, or whose owner let it expire. */
const CLAIM_FREE = '(claim_owner IS NULL OR claim_expires_at <= @now)';

export function sqliteOrderStore(
  db: Database.Database,
  events: Pick<StoreEvents, 'orderStatusChanged'> | null,
): OrderStore & {
  pruneCreating(before: number): number;
} {
  const q = {
    byKey: db.prepare<[string, string], OrderRow>(
      'SELECT * FROM orders WHERE user_id = ? AND idempotency_key = ?',
    ),
    releaseKey: db.prepare<[string]>('UPDATE orders SET idempotency_key = NULL WHERE id = ?'),
    insert: db.prepare<
      [string, string, string, number, string, string | null, string | null, number, number],
      OrderRow
    >(
      `INSERT INTO orders (id, user_id, state, status, grand_total, items, idempotency_key, request_hash,
         created_at, updated_at)
       VALUES (?, ?, 'creating', ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
    ),
    attach: db.prepare<[string, string, number, string], OrderRow>(
      `UPDATE orders SET tiki_order_id = COALESCE(tiki_order_id, ?),
         status = CASE WHEN state = 'creating' THEN ? ELSE status END, state = 'created', updated_at = ?
       WHERE id = ? RETURNING *`,
    ),
    abandon: db.prepare<[string]>("DELETE FROM orders WHERE id = ? AND state = 'creating'"),
    get: db.prepare<[string], OrderRow>('SELECT * FROM orders WHERE id = ?'),
    byTikiId: db.prepare<[string], OrderRow>('SELECT * FROM orders WHERE tiki_order_id = ?'),
    list: db.prepare<[string, number], OrderRow>(
      `SELECT * FROM orders WHERE user_id = ? AND state = 'created'
       ORDER BY created_at DESC, id DESC LIMIT ?`,
    ),
    listBefore: db.prepare<[string, number, number, string, number], OrderRow>(
      `SELECT * FROM orders WHERE user_id = ? AND state = 'created' AND (created_at < ? OR (created_at = ? AND id < ?))
       ORDER BY created_at DESC, id DESC LIMIT ?`,
    ),
    // A final order (completed, canceled) is never written again; Tiki's word is applied otherwise.
    apply: db.prepare<
      [
        {
          tikiOrderId: string;
          status: string;
          paidOnline: number;
          messageAt: number | null;
          now: number;
          id: string;
        },
      ],
      OrderRow
    >(
      `UPDATE orders SET tiki_order_id = COALESCE(tiki_order_id, @tikiOrderId),
         status = CASE WHEN status IN (${FINAL}) THEN status ELSE @status END,
         state = 'created',
         paid_at = CASE WHEN paid_at IS NULL AND @paidOnline = 1 AND status NOT IN (${FINAL}) THEN @now
           ELSE paid_at END,
         cancel_reason = CASE WHEN @status = 'canceled' AND status NOT IN (${FINAL})
           THEN COALESCE(cancel_reason, 'tiki') ELSE cancel_reason END,
         last_message_at = CASE WHEN @messageAt IS NULL THEN last_message_at
           ELSE MAX(COALESCE(last_message_at, @messageAt), @messageAt) END,
         updated_at = @now
       WHERE id = @id AND status NOT IN (${FINAL}) RETURNING *`,
    ),
    statusOf: db.prepare<[string], { status: OrderStatus }>('SELECT status FROM orders WHERE id = ?'),
    oldestPaid: db.prepare<[], { paid_at: number | null }>(
      // The open orders' partial index (orders_open) holds every row this reads.
      `SELECT MIN(paid_at) AS paid_at FROM orders
       WHERE status NOT IN (${FINAL}) AND paid_at IS NOT NULL AND fulfilled_at IS NULL`,
    ),
    claimCheck: db.prepare<[number, string, number]>(
      'UPDATE orders SET checked_at = ? WHERE id = ? AND (checked_at IS NULL OR checked_at <= ?)',
    ),
    // One statement: two processes sweeping at once take different orders.
    claimSweep: db.prepare<[{ now: number; checkedBefore: number; limit: number }], OrderRow>(
      `UPDATE orders SET checked_at = @now WHERE id IN (
         SELECT id FROM orders WHERE status NOT IN (${FINAL}) AND state = 'created' AND tiki_order_id IS NOT NULL
           AND (checked_at IS NULL OR checked_at <= @checkedBefore)
         ORDER BY checked_at IS NOT NULL, checked_at LIMIT @limit)
       RETURNING *`,
    ),
    claimFulfil: db.prepare<[{ owner: string; now: number; claimMs: number; id: string }]>(
      `UPDATE orders SET claim_owner = @owner, claim_expires_at = @now + @claimMs,
         fulfil_attempts = fulfil_attempts + 1
       WHERE id = @id AND paid_at IS NOT NULL AND fulfilled_at IS NULL AND cancel_reason IS NULL
         AND status NOT IN (${FINAL}) AND ${CLAIM_FREE} AND (retry_at IS NULL OR retry_at <= @now)`,
    ),
    renewClaim: db.prepare<[{ owner: string; now: number; claimMs: number; id: string }]>(
      `UPDATE orders SET claim_expires_at = @now + @claimMs
       WHERE id = @id AND claim_owner = @owner AND claim_expires_at > @now`,
    ),
    finishFulfil: db.prepare<[number, number, string, string]>(
      `UPDATE orders SET fulfilled_at = ?, updated_at = ?, claim_owner = NULL, claim_expires_at = NULL,
         retry_at = NULL
       WHERE id = ? AND claim_owner = ? AND fulfilled_at IS NULL`,
    ),
    // After the last attempt the owner keeps its claim: it goes on to cancel the order at Tiki.
    failFulfil: db.prepare<
      [{ owner: string; now: number; retryAt: number; maxAttempts: number; id: string }],
      OrderRow
    >(
      `UPDATE orders SET
         cancel_reason = CASE WHEN fulfil_attempts >= @maxAttempts THEN 'fulfilment_failed' ELSE cancel_reason END,
         retry_at = CASE WHEN fulfil_attempts >= @maxAttempts THEN NULL ELSE @retryAt END,
         claim_owner = CASE WHEN fulfil_attempts >= @maxAttempts THEN claim_owner END,
         claim_expires_at = CASE WHEN fulfil_attempts >= @maxAttempts THEN claim_expires_at END,
         updated_at = @now
       WHERE id = @id AND claim_owner = @owner AND fulfilled_at IS NULL RETURNING *`,
    ),
    claimCancel: db.prepare<
      [{ owner: string; now: number; claimMs: number; reason: string; id: string }],
      OrderRow
    >(
      `UPDATE orders SET claim_owner = @owner, claim_expires_at = @now + @claimMs,
         cancel_reason = COALESCE(cancel_reason, @reason), updated_at = @now
       WHERE id = @id AND status NOT IN (${FINAL}) AND fulfilled_at IS NULL
         AND (claim_owner = @owner OR ${CLAIM_FREE})
         AND (cancel_reason IS NOT NULL OR (paid_at IS NULL AND fulfil_attempts = 0))
       RETURNING *`,
    ),
    cashDelivery: db.prepare<[{ now: number; id: string }], OrderRow>(
      `UPDATE orders SET paid_at = COALESCE(paid_at, @now), fulfilled_at = @now, updated_at = @now
       WHERE id = @id AND status NOT IN (${FINAL}) AND fulfilled_at IS NULL AND cancel_reason IS NULL
         AND ${CLAIM_FREE}
       RETURNING *`,
    ),
    withdrawCancel: db.prepare<[string, string]>(
      `UPDATE orders SET cancel_reason = NULL, claim_owner = NULL, claim_expires_at = NULL
       WHERE id = ? AND claim_owner = ? AND status NOT IN (${FINAL})`,
    ),
    releaseClaim: db.prepare<[string, string]>(
      'UPDATE orders SET claim_owner = NULL, claim_expires_at = NULL WHERE id = ? AND claim_owner = ?',
    ),
    recordMessage: db.prepare<[string, string, number, number]>(
      `INSERT INTO ipn_messages (message_id, order_id, created_at, applied_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (message_id) DO NOTHING`,
    ),
    hasMessage: db.prepare<[string], { found: number }>(
      'SELECT 1 AS found FROM ipn_messages WHERE message_id = ?',
    ),
    pruneCreating: db.prepare<[number]>("DELETE FROM orders WHERE state = 'creating' AND created_at < ?"),
  };

  const createOrder = db.transaction((order: NewOrder, keys: IdempotencyKeyPolicy) => {
    if (order.idempotencyKey !== null) {
      const existing = q.byKey.get(order.userId, order.idempotencyKey);
      if (existing !== undefined && !keyIsFree(existing, order.now, keys)) {
        return { created: false as const, existing: toOrder(existing) };
      }
      // The old order keeps its history, not the key.
      if (existing !== undefined) q.releaseKey.run(existing.id);
    }
    const row = q.insert.get(
      order.id,
      order.userId,
      INITIAL_ORDER_STATUS,
      order.grandTotal,
      JSON.stringify(order.items),
      order.idempotencyKey,
      order.requestHash,
      order.now,
      order.now,
    ) as OrderRow;
    return { created: true as const, order: toOrder(row) };
  });

  const orNull = (row: OrderRow | undefined) => (row === undefined ? null : toOrder(row));
  /** Inside a transaction: the status before, read under the write lock, tells whether this write changed it. */
  const apply = (id: string, tiki: TikiStatusUpdate) => {
    const before = events === null ? undefined : q.statusOf.get(id)?.status;
    const written = q.apply.get({ ...tiki, paidOnline: tiki.paidOnline ? 1 : 0, id });
    const change = before !== undefined && written !== undefined && written.status !== before;
    return {
      order: orNull(written ?? q.get.get(id)),
      change: change ? { from: before, to: tiki.status } : null,
    };
  };
  const applyStatus = db.transaction(apply);
  /** After the commit: a transaction rolled back told nobody. */
  const told = (change: { from: OrderStatus; to: OrderStatus } | null) => {
    if (change !== null) events?.orderStatusChanged(change.from, change.to);
  };

  const applyIpnMessage = db.transaction(
    (id: string, tiki: TikiStatusUpdate, m: Parameters<OrderStore['applyIpnMessage']>[2]) => {
      if (q.recordMessage.run(m.messageId, m.orderId, m.createdAt, m.now).changes === 0) {
        const order = orNull(q.get.get(id));
        return { result: order === null ? null : { order, duplicate: true }, change: null };
      }
      const { order, change } = apply(id, tiki);
      return { result: order === null ? null : { order, duplicate: false }, change };
    },
  );

  return {
    async createOrder(order, keys) {
      return createOrder.immediate(order, keys);
    },
    async attachTikiOrder(id, tiki) {
      return orNull(q.attach.get(tiki.tikiOrderId, tiki.status, tiki.now, id));
    },
    async abandonOrder(id) {
      q.abandon.run(id);
    },
    async getOrder(id) {
      return orNull(q.get.get(id));
    },
    async findOrderByTikiId(tikiOrderId) {
      return orNull(q.byTikiId.get(tikiOrderId));
    },
    async listOrders(userId, page) {
      const rows =
        page.before === undefined
          ? q.list.all(userId, page.limit)
          : q.listBefore.all(
              userId,
              page.before.createdAt,
              page.before.createdAt,
              page.before.id,
              page.limit,
            );
      return rows.map(toOrder);
    },
    async applyTikiStatus(id, tiki) {
      if (events === null) return apply(id, tiki).order;
      const { order, change } = applyStatus.immediate(id, tiki);
      told(change);
      return order;
    },
    async applyIpnMessage(id, tiki, message) {
      const { result, change } = applyIpnMessage.immediate(id, tiki, message);
      told(change);
      return result;
    },
    async oldestUnfulfilledPaidAt() {
      return q.oldestPaid.get()?.paid_at ?? null;
    },
    async claimStatusCheck(id, now, minIntervalMs) {
      return q.claimCheck.run(now, id, now - minIntervalMs).changes > 0;
    },
    async claimSweepBatch(i) {
      return q.claimSweep.all(i).map(toOrder);
    },
    async claimFulfilment(id, claim) {
      return q.claimFulfil.run({ ...claim, id }).changes > 0;
    },
    async renewClaim(id, claim) {
      return q.renewClaim.run({ ...claim, id }).changes > 0;
    },
    async finishFulfilment(id, owner, now) {
      return q.finishFulfil.run(now, now, id, owner).changes > 0;
    },
    async failFulfilment(id, owner, i) {
      return orNull(q.failFulfil.get({ ...i, owner, id }));
    },
    async claimCancel(id, claim) {
      return orNull(q.claimCancel.get({ ...claim, id }));
    },
    async recordCashDelivery(id, now) {
      return orNull(q.cashDelivery.get({ now, id }));
    },
    async withdrawCancel(id, owner) {
      return q.withdrawCancel.run(id, owner).changes > 0;
    },
    async releaseClaim(id, owner) {
      q.releaseClaim.run(id, owner);
    },
    async recordIpnMessage(m) {
      return q.recordMessage.run(m.messageId, m.orderId, m.createdAt, m.now).changes > 0;
    },
    async hasIpnMessage(messageId) {
      return q.hasMessage.get(messageId) !== undefined;
    },
    pruneCreating: (before) => q.pruneCreating.run(before).changes,
  };
}
