/**
 * What a verified IPN does (docs/backend-api/payment/ipn.md); the route (routes/ipn.ts) reads the raw body,
 * verifies the signature, parses, and answers what this returns.
 *
 * - Deduped by message_id; a message older (message_created_at) than one already applied is recorded, no more.
 * - The body's status is never trusted: the order is re-read from Tiki, and Tiki's answer is what is applied,
 *   the message recorded in the same store transaction (lifecycle.applyIpn).
 * - Once recorded, the answer is 2xx whatever the fulfilment, completion or cancel after it did: they are
 *   retried by the sweep, not by Tiki. Only a re-read that Tiki did not answer is worth Tiki's retry (thrown).
 */
import type { TikiClient } from '@tini-starter/tiki-platform/client';
import type { Clock } from '@tini-starter/tiki-platform/clock';
import { isTransient } from '@tini-starter/tiki-platform/errors';
import { hasKnownStatus, orderStatusName } from '@tini-starter/tiki-platform/order-status';
import type { IpnMessage, TikiOrder } from '@tini-starter/tiki-platform/payments';
import type { Logger } from 'pino';
import type { Caller } from '../auth/login.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { OrderRecord } from '../store/orders.ts';
import type { Store } from '../store/store.ts';
import type { OrderLifecycle } from './lifecycle.ts';

export type IpnOutcome =
  | { kind: 'applied'; order: OrderRecord }
  /** Recorded before: acknowledged again, nothing applied. */
  | { kind: 'duplicate' }
  /** Older than a message already applied: recorded, nothing applied (Tiki's re-read would say no more). */
  | { kind: 'older' }
  /** Tiki refused our re-read of the order: recorded; the sweep reads it again later. */
  | { kind: 'reread_refused' }
  /** Tiki's re-read answered a status this code does not know: recorded; ours stays as it was. */
  | { kind: 'unknown_status' }
  /** Not an order of ours, or Tiki ties it to another of our orders: refused, so that Tiki stops sending it. */
  | { kind: 'unknown_order' };

export interface IpnReceiver {
  /** Throws a transient Tiki failure (the re-read got no answer) or a store failure: Tiki should retry. */
  receive(message: IpnMessage, caller: Caller): Promise<IpnOutcome>;
}

export function createIpnReceiver(o: {
  store: Store;
  tiki: TikiClient;
  lifecycle: OrderLifecycle;
  clock: Clock;
  /** For the IPN's own lines (ids, statuses, what was done). */
  logger: Logger;
  /** Where the delay from Tiki's message_created_at to applied is measured. */
  metrics: Metrics;
}): IpnReceiver {
  const { store, clock, logger: log } = o;

  return {
    async receive(message, caller) {
      const ids = { reqId: caller.requestId, messageId: message.message_id, tikiOrderId: message.order.id };
      if (await store.hasIpnMessage(message.message_id)) {
        log.info(ids, 'IPN already applied: acknowledged again');
        return { kind: 'duplicate' };
      }
      const byReference =
        message.order.reference_id === '' ? null : await store.getOrder(message.order.reference_id);
      const order = byReference ?? (await store.findOrderByTikiId(message.order.id));
      if (order === null || (order.tikiOrderId !== null && order.tikiOrderId !== message.order.id)) {
        log.warn(ids, 'IPN for an order we do not have: refused');
        return { kind: 'unknown_order' };
      }
      const messageAt = Date.parse(message.message_created_at);
      const record = { messageId: message.message_id, orderId: order.id, createdAt: messageAt };
      if (order.lastMessageAt !== null && messageAt < order.lastMessageAt) {
        log.info(ids, 'IPN older than one already applied: ignored');
        await store.recordIpnMessage({ ...record, now: clock.now() });
        return { kind: 'older' };
      }

      // The body says what happened; Tiki, asked with our own signed call, says what is true.
      let tikiOrder: TikiOrder;
      try {
        tikiOrder = await o.tiki.getOrder(message.order.id, { requestId: caller.requestId });
      } catch (error) {
        if (isTransient(error)) throw error;
        log.warn(
          { ...ids, orderId: order.id, err: error },
          'IPN: Tiki refused the re-read of the order; recorded, the sweep reads it again',
        );
        await store.recordIpnMessage({ ...record, now: clock.now() });
        return { kind: 'reread_refused' };
      }
      if (tikiOrder.reference_id !== '' && tikiOrder.reference_id !== order.id) {
        log.warn({ ...ids, orderId: order.id }, 'IPN names an order Tiki ties to another reference: refused');
        return { kind: 'unknown_order' };
      }
      const claimed = orderStatusName(message.order.status);
      const actual = orderStatusName(tikiOrder.status);
      if (!hasKnownStatus(tikiOrder)) {
        log.warn(
          { ...ids, orderId: order.id, actual },
          'IPN: Tiki answered an order status this server does not know; recorded, the order stays as it was',
        );
        await store.recordIpnMessage({ ...record, now: clock.now() });
        return { kind: 'unknown_status' };
      }
      if (actual !== claimed)
        log.warn({ ...ids, claimed, actual }, 'IPN status differs from Tiki’s: Tiki’s applied');
      const applied = await o.lifecycle.applyIpn(order, tikiOrder, record, caller);
      if (applied === null) {
        log.warn({ ...ids, orderId: order.id }, 'IPN for an order deleted meanwhile: refused');
        return { kind: 'unknown_order' };
      }
      if (applied.duplicate) {
        log.info(ids, 'IPN already applied: acknowledged again');
        return { kind: 'duplicate' };
      }
      log.info({ ...ids, orderId: order.id, status: applied.order.status }, 'IPN applied');
      o.metrics.ipnApplied((clock.now() - messageAt) / 1000);
      return { kind: 'applied', order: applied.order };
    },
  };
}
