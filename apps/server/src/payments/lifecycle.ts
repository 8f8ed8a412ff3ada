/**
 * An order's life after Tiki created it, in one place: whatever tells us the order moved (an IPN, the mini app
 * reading it, the sweep), Tiki's word is applied here, then the order gets the one side effect it is due.
 *
 *   draft -> waiting_for_payment -> online_paid -> (fulfilled) -> completed   Tiki pays out completed orders only
 *   draft | waiting_for_payment -> canceled                                    the buyer, the draft TTL, Tiki
 *   online_paid -> canceled (Tiki refunds)                                     fulfilment failed N times
 *   processing without payment (cash on delivery) -> canceled                  this shop sells no COD
 *
 * Each side effect runs only after its claim in the store is won (see orders.ts): a fulfilment needs a payment
 * and no decision to cancel; a cancel needs no fulfilment ever started. So a cancel racing a payment either
 * cancels first (Tiki refunds; nothing is delivered) or loses (409; the order is delivered), never both.
 * Failures of Tiki or of the hook are logged and left for the next IPN, read or sweep: nothing here throws them,
 * except `cancel`, whose caller (the buyer) is waiting for its answer.
 */
import { randomBytes } from 'node:crypto';
import type { TikiClient } from '@tini-starter/tiki-platform/client';
import type { Clock } from '@tini-starter/tiki-platform/clock';
import { isTransient } from '@tini-starter/tiki-platform/errors';
import {
  hasKnownStatus,
  isCashOnDelivery,
  isFinalOrderStatus,
  isPaidOnline,
  orderStatusName,
} from '@tini-starter/tiki-platform/order-status';
import type { KnownTikiOrder, TikiOrder } from '@tini-starter/tiki-platform/payments';
import type { Caller } from '../auth/login.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { CancelReason, IpnMessageRecord, OrderRecord, TikiStatusUpdate } from '../store/orders.ts';
import type { Store } from '../store/store.ts';
import type { Fulfil } from './fulfilment.ts';

export interface LifecycleOptions {
  store: Store;
  tiki: TikiClient;
  clock: Clock;
  fulfil: Fulfil;
  /** Where fulfilments are counted (started, succeeded, failed, given up). */
  metrics: Metrics;
  /** How long a claim on an order lasts; a running fulfilment renews it every third of it. */
  claimMs: number;
  /** Fulfilment attempts before the order is canceled at Tiki (which refunds it). */
  maxFulfilAttempts: number;
  /** The wait after the first failed attempt; it doubles with each one after. */
  retryBaseMs: number;
  /**
   * The caller that fulfils an order completes it at Tiki. Others complete it only once the fulfilment is this
   * old (its caller died, or its complete call failed): concurrent IPNs and reads complete an order once.
   */
  completeRetryAfterMs: number;
  /**
   * Whether the shop sells cash on delivery. No (the sample's digital goods): a COD order is canceled at once.
   * Yes: it waits, neither fulfilled nor completed, until the shop marks it delivered (markDelivered).
   */
  sellsCashOnDelivery: boolean;
}

/** What became of a cancel: done at Tiki, decided and under way elsewhere, or refused (paid, delivering). */
export type CancelOutcome =
  | { kind: 'canceled'; order: OrderRecord }
  | { kind: 'canceling'; order: OrderRecord }
  | { kind: 'refused'; order: OrderRecord };

export interface OrderLifecycle {
  /** Applies Tiki's word on `order` (a read of our own, signed), then what the order is due. */
  apply(order: OrderRecord, tikiOrder: TikiOrder, caller: Caller): Promise<OrderRecord>;
  /**
   * The same for an IPN, the message recorded in the same store transaction; `duplicate` when it was recorded
   * already (nothing applied). Null when the order is gone.
   */
  applyIpn(
    order: OrderRecord,
    /** Re-read, with a status this code knows (the receiver records an IPN about any other and stops). */
    tikiOrder: KnownTikiOrder,
    message: Omit<IpnMessageRecord, 'now'>,
    caller: Caller,
  ): Promise<{ order: OrderRecord; duplicate: boolean } | null>;
  /** What the order is due now, from what we know (no Tiki read): fulfil, complete, or a decided cancel. */
  advance(order: OrderRecord, caller: Caller): Promise<OrderRecord>;
  /**
   * Cancels at Tiki for `reason`. `buyer` and `unpaid` cancel only an unpaid order: Tiki is re-read first, and
   * a payment seen there wins (refused, and the order is delivered). Throws Tiki's failure when Tiki could not
   * be asked (the decision stays, and the sweep carries it out) or did not answer the cancel.
   */
  cancel(order: OrderRecord, reason: CancelReason, caller: Caller): Promise<CancelOutcome>;
  /**
   * A shop that sells cash on delivery calls this when its carrier handed the parcel over and took the cash
   * (from its carrier's webhook, an admin page...): Tiki is re-read, and an order out for delivery (on_delivery)
   * is recorded fulfilled and completed at Tiki, which pays out completed orders only. Null for an order that
   * is not cash on delivery out for delivery (not ours, paid online, not shipped yet, canceled).
   */
  markDelivered(order: OrderRecord, caller: Caller): Promise<OrderRecord | null>;
}

const newOwner = () => randomBytes(9).toString('base64url');

/** The reasons that cancel only what is unpaid: a payment Tiki shows before the cancel is sent wins. */
const UNLESS_PAID: readonly CancelReason[] = ['buyer', 'unpaid'];

/** What the buyer reads at Tiki about why (the cancel's `comment`), in Vietnamese with the reason in English. */
const CANCEL_COMMENTS: Record<CancelReason, string> = {
  buyer: 'Người mua hủy đơn trong ứng dụng (canceled by the buyer)',
  unpaid: 'Đơn hàng chưa được thanh toán nên đã tự hủy (unpaid, expired)',
  fulfilment_failed: 'Không thể giao hàng; Tiki hoàn tiền cho bạn (could not be delivered; refunded)',
  cash_on_delivery: 'Cửa hàng không nhận thanh toán khi nhận hàng (cash on delivery is not offered)',
  tiki: 'Tiki đã hủy đơn (canceled by Tiki)',
};

export function createOrderLifecycle(o: LifecycleOptions): OrderLifecycle {
  const { store, tiki, clock } = o;

  const update = (tikiOrder: KnownTikiOrder, messageAt: number | null): TikiStatusUpdate => ({
    tikiOrderId: tikiOrder.id,
    status: tikiOrder.status,
    paidOnline: isPaidOnline(tikiOrder),
    messageAt,
    now: clock.now(),
  });

  /** A status Tiki added: ours stays as it was, and the line says which status to add to ORDER_STATUSES. */
  function warnUnknownStatus(order: OrderRecord, tikiOrder: TikiOrder, caller: Caller): void {
    caller.log.warn(
      { orderId: order.id, status: orderStatusName(tikiOrder.status) },
      'Tiki answered an order status this server does not know; the order stays as it was',
    );
  }

  /** Runs the hook under a claim it renews; resolves the order after, and whether this call delivered it. */
  async function fulfilOnce(
    order: OrderRecord,
    caller: Caller,
  ): Promise<{ order: OrderRecord; delivered: boolean }> {
    const owner = newOwner();
    const reread = async () => (await store.getOrder(order.id)) ?? order;
    if (!(await store.claimFulfilment(order.id, { owner, now: clock.now(), claimMs: o.claimMs }))) {
      // Delivered already, not due yet, or another request or process is on it right now.
      return { order: await reread(), delivered: false };
    }
    o.metrics.fulfilment('started');
    const lost = new AbortController();
    const renewal = setInterval(
      () => {
        store.renewClaim(order.id, { owner, now: clock.now(), claimMs: o.claimMs }).then(
          (held) => {
            if (!held) lost.abort(new Error('the fulfilment claim was taken over: another process runs it'));
          },
          // The store is down for a moment: the claim is still ours until it expires; the next tick tries again.
          (err: unknown) =>
            caller.log.warn({ orderId: order.id, err }, 'could not renew the fulfilment claim'),
        );
      },
      Math.max(1, Math.floor(o.claimMs / 3)),
    );
    renewal.unref();
    try {
      await o.fulfil(order, { log: caller.log, signal: lost.signal });
    } catch (error) {
      clearInterval(renewal);
      return { order: await failed(order, owner, error, caller), delivered: false };
    }
    clearInterval(renewal);
    if (!(await store.finishFulfilment(order.id, owner, clock.now()))) {
      caller.log.error(
        { orderId: order.id },
        'the fulfilment hook finished after losing its claim: another process may have run it again',
      );
      return { order: await reread(), delivered: false };
    }
    o.metrics.fulfilment('succeeded');
    return { order: await reread(), delivered: true };
  }

  async function failed(order: OrderRecord, owner: string, error: unknown, caller: Caller) {
    const now = clock.now();
    const attempt = order.fulfilAttempts + 1;
    const retryAt = now + o.retryBaseMs * 2 ** Math.min(attempt - 1, 10);
    const after = await store.failFulfilment(order.id, owner, {
      now,
      retryAt,
      maxAttempts: o.maxFulfilAttempts,
    });
    if (after === null) {
      caller.log.error({ orderId: order.id, err: error }, 'the fulfilment failed after losing its claim');
      return (await store.getOrder(order.id)) ?? order;
    }
    o.metrics.fulfilment(after.cancelReason === 'fulfilment_failed' ? 'given_up' : 'failed');
    if (after.cancelReason !== 'fulfilment_failed') {
      caller.log.warn(
        { orderId: order.id, attempt: after.fulfilAttempts, retryAt, err: error },
        'the fulfilment failed; it is tried again later',
      );
      return after;
    }
    caller.log.error(
      { orderId: order.id, attempts: after.fulfilAttempts, err: error },
      'the fulfilment kept failing: the order is canceled at Tiki, which refunds the buyer',
    );
    // failFulfilment left us the claim: cancel at once, before anyone else may try anything.
    return (
      await cancelHeld(after, owner, caller).catch((err: unknown) => logCancelFailure(after, err, caller))
    ).order;
  }

  /** Completes a delivered order at Tiki (payout), when this caller is the one to. */
  async function complete(order: OrderRecord, mine: boolean, caller: Caller): Promise<OrderRecord> {
    if (order.fulfilledAt === null || order.tikiOrderId === null || isFinalOrderStatus(order.status)) {
      return order;
    }
    if (!mine && clock.now() - order.fulfilledAt < o.completeRetryAfterMs) return order;
    try {
      // Completing twice is harmless (the second answers it unchanged).
      const completed = await tiki.completeOrder(
        { orderId: order.tikiOrderId, comment: 'Đã giao hàng (fulfilled)' },
        { requestId: caller.requestId },
      );
      if (!hasKnownStatus(completed)) {
        warnUnknownStatus(order, completed, caller);
        return order;
      }
      const after = (await store.applyTikiStatus(order.id, update(completed, null))) ?? order;
      caller.log.info({ orderId: order.id, status: after.status }, 'order completed at Tiki');
      return after;
    } catch (error) {
      const level = isTransient(error) ? 'warn' : 'error';
      caller.log[level](
        { orderId: order.id, err: error },
        'could not complete the order at Tiki; it is tried again later',
      );
      return order;
    }
  }

  /** The cancel at Tiki, under the claim `owner` holds; frees it once Tiki answered. */
  async function cancelHeld(order: OrderRecord, owner: string, caller: Caller): Promise<CancelOutcome> {
    const reason = order.cancelReason ?? 'buyer';
    if (order.tikiOrderId === null) throw new Error(`order ${order.id} has no Tiki id to cancel`);
    if (UNLESS_PAID.includes(reason)) {
      let now: TikiOrder;
      try {
        now = await tiki.getOrder(order.tikiOrderId, { requestId: caller.requestId });
      } catch (error) {
        // Nothing was sent to cancel: the claim goes, the decision stays (the sweep carries it out).
        await store.releaseClaim(order.id, owner);
        throw error;
      }
      if (!hasKnownStatus(now)) {
        // Paid or not cannot be told: nothing is sent, the decision stays, and the sweep reads it again.
        warnUnknownStatus(order, now, caller);
        await store.releaseClaim(order.id, owner);
        return { kind: 'canceling', order };
      }
      if (isPaidOnline(now) || now.status === 'completed') {
        // Paid before the cancel was sent: the payment wins, and the order is delivered.
        await store.withdrawCancel(order.id, owner);
        const applied = (await store.applyTikiStatus(order.id, update(now, null))) ?? order;
        caller.log.info({ orderId: order.id, reason }, 'cancel refused: Tiki says the order is paid');
        return { kind: 'refused', order: await advance(applied, caller) };
      }
      if (now.status === 'canceled') {
        const applied = (await store.applyTikiStatus(order.id, update(now, null))) ?? order;
        await store.releaseClaim(order.id, owner);
        return { kind: 'canceled', order: applied };
      }
    }
    // An answer that never comes leaves the claim to expire: a cancel still on its way cannot meet a fulfilment.
    const canceled = await tiki.cancelOrder(
      { orderId: order.tikiOrderId, comment: CANCEL_COMMENTS[reason] },
      { requestId: caller.requestId },
    );
    if (!hasKnownStatus(canceled)) {
      warnUnknownStatus(order, canceled, caller);
      await store.releaseClaim(order.id, owner);
      return { kind: 'canceling', order };
    }
    const applied = (await store.applyTikiStatus(order.id, update(canceled, null))) ?? order;
    await store.releaseClaim(order.id, owner);
    caller.log.info({ orderId: order.id, reason, status: applied.status }, 'order canceled at Tiki');
    return { kind: 'canceled', order: applied };
  }

  function logCancelFailure(order: OrderRecord, error: unknown, caller: Caller): CancelOutcome {
    const level = isTransient(error) ? 'warn' : 'error';
    caller.log[level](
      { orderId: order.id, reason: order.cancelReason, err: error },
      'could not cancel the order at Tiki; it is tried again later',
    );
    return { kind: 'canceling', order };
  }

  async function cancel(order: OrderRecord, reason: CancelReason, caller: Caller): Promise<CancelOutcome> {
    const owner = newOwner();
    const claimed = await store.claimCancel(order.id, {
      owner,
      now: clock.now(),
      claimMs: o.claimMs,
      reason,
    });
    if (claimed === null) {
      const current = (await store.getOrder(order.id)) ?? order;
      if (current.status === 'canceled') return { kind: 'canceled', order: current };
      // Decided already, and another request or process is carrying it out right now.
      if (current.cancelReason !== null && current.fulfilledAt === null) {
        return { kind: 'canceling', order: current };
      }
      return { kind: 'refused', order: current };
    }
    return cancelHeld(claimed, owner, caller);
  }

  async function advance(order: OrderRecord, caller: Caller): Promise<OrderRecord> {
    if (isFinalOrderStatus(order.status)) return order;
    if (order.cancelReason !== null) {
      if (order.fulfilledAt !== null) return order;
      return (
        await cancel(order, order.cancelReason, caller).catch((err: unknown) =>
          logCancelFailure(order, err, caller),
        )
      ).order;
    }
    if (order.paidAt === null) return order;
    if (order.fulfilledAt !== null) return complete(order, false, caller);
    const { order: after, delivered } = await fulfilOnce(order, caller);
    return complete(after, delivered, caller);
  }

  /** After Tiki's word is stored: cash on delivery waits for delivery or is refused, the rest advances. */
  async function then(order: OrderRecord, tikiOrder: KnownTikiOrder, caller: Caller): Promise<OrderRecord> {
    const cod = isCashOnDelivery(tikiOrder) && order.fulfilledAt === null && order.cancelReason === null;
    if (cod && o.sellsCashOnDelivery) return order;
    if (cod) {
      caller.log.warn(
        { orderId: order.id },
        'the buyer chose cash on delivery, which this shop does not offer',
      );
      return (
        await cancel(order, 'cash_on_delivery', caller).catch((err: unknown) =>
          logCancelFailure(order, err, caller),
        )
      ).order;
    }
    return advance(order, caller);
  }

  return {
    async apply(order, tikiOrder, caller) {
      if (!hasKnownStatus(tikiOrder)) {
        warnUnknownStatus(order, tikiOrder, caller);
        return order;
      }
      const applied = (await store.applyTikiStatus(order.id, update(tikiOrder, null))) ?? order;
      return then(applied, tikiOrder, caller);
    },

    async applyIpn(order, tikiOrder, message, caller) {
      const result = await store.applyIpnMessage(order.id, update(tikiOrder, message.createdAt), {
        ...message,
        now: clock.now(),
      });
      if (result === null || result.duplicate) return result;
      try {
        return { order: await then(result.order, tikiOrder, caller), duplicate: false };
      } catch (err) {
        // Recorded: Tiki need not send it again. The store failed in what followed; the sweep picks it up.
        caller.log.error({ orderId: order.id, err }, 'the IPN is recorded, but what follows it failed');
        return { order: result.order, duplicate: false };
      }
    },

    advance,
    cancel,

    async markDelivered(order, caller) {
      if (order.tikiOrderId === null) return null;
      const tikiOrder = await tiki.getOrder(order.tikiOrderId, { requestId: caller.requestId });
      if (!hasKnownStatus(tikiOrder)) {
        warnUnknownStatus(order, tikiOrder, caller);
        return null;
      }
      if (!o.sellsCashOnDelivery || !isCashOnDelivery(tikiOrder) || tikiOrder.status !== 'on_delivery')
        return null;
      await store.applyTikiStatus(order.id, update(tikiOrder, null));
      const delivered = await store.recordCashDelivery(order.id, clock.now());
      if (delivered === null) return null;
      caller.log.info({ orderId: order.id }, 'cash on delivery: delivered and paid');
      return complete(delivered, true, caller);
    },
  };
}
