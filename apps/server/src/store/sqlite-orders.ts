/** The SQLite statements of the order store (see orders.ts); sqlite-store.ts wraps them like every method. */
import type Database from 'better-sqlite3';
import { INITIAL_ORDER_STATUS, type NewOrder, type OrderStore } from './orders.ts';
import { type OrderRow, toOrder } from './rows.ts';

export function sqliteOrderStore(db: Database.Database): OrderStore & {
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
    // A final status (completed, canceled) is never left; Tiki's word is applied otherwise.
    apply: db.prepare<
      [{ tikiOrderId: string; status: string; messageAt: number | null; now: number; id: string }],
      OrderRow
    >(
      `UPDATE orders SET tiki_order_id = COALESCE(tiki_order_id, @tikiOrderId),
         status = CASE WHEN status IN ('completed', 'canceled') THEN status ELSE @status END,
         state = 'created',
         last_message_at = CASE WHEN @messageAt IS NULL THEN last_message_at
           ELSE MAX(COALESCE(last_message_at, @messageAt), @messageAt) END,
         updated_at = @now
       WHERE id = @id RETURNING *`,
    ),
    claimCheck: db.prepare<[number, string, number]>(
      'UPDATE orders SET checked_at = ? WHERE id = ? AND (checked_at IS NULL OR checked_at <= ?)',
    ),
    claimFulfil: db.prepare<[string, number, string, number]>(
      `UPDATE orders SET fulfil_owner = ?, fulfil_expires_at = ?
       WHERE id = ? AND fulfilled_at IS NULL AND (fulfil_owner IS NULL OR fulfil_expires_at <= ?)`,
    ),
    finishFulfil: db.prepare<[number, number, string, string]>(
      `UPDATE orders SET fulfilled_at = ?, updated_at = ?, fulfil_owner = NULL, fulfil_expires_at = NULL
       WHERE id = ? AND fulfil_owner = ? AND fulfilled_at IS NULL`,
    ),
    releaseFulfil: db.prepare<[string, string]>(
      'UPDATE orders SET fulfil_owner = NULL, fulfil_expires_at = NULL WHERE id = ? AND fulfil_owner = ?',
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

  const createOrder = db.transaction((order: NewOrder, windowMs: number) => {
    if (order.idempotencyKey !== null) {
      const existing = q.byKey.get(order.userId, order.idempotencyKey);
      if (existing !== undefined && existing.created_at > order.now - windowMs) {
        return { created: false as const, existing: toOrder(existing) };
      }
      // A key older than the window is free again: the old order keeps its history, not the key.
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

  return {
    async createOrder(order, windowMs) {
      return createOrder.immediate(order, windowMs);
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
      return orNull(q.apply.get({ ...tiki, id }));
    },
    async claimStatusCheck(id, now, minIntervalMs) {
      return q.claimCheck.run(now, id, now - minIntervalMs).changes > 0;
    },
    async claimFulfilment(id, claim) {
      return q.claimFulfil.run(claim.owner, claim.now + claim.claimMs, id, claim.now).changes > 0;
    },
    async finishFulfilment(id, owner, now) {
      return q.finishFulfil.run(now, now, id, owner).changes > 0;
    },
    async releaseFulfilment(id, owner) {
      q.releaseFulfil.run(id, owner);
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
