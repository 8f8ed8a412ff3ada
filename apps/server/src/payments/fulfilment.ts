/**
 * What happens when Tiki says an order is paid: the hook a fork replaces (ship the goods, credit the account,
 * send the e-ticket). The order service calls it at most once per order across every server process (a claim
 * in the store), then completes the order at Tiki, which pays out completed orders only.
 *
 * Exactly once, except one case: if the process dies while the hook runs, the claim expires and the next IPN or
 * read runs the hook again. A hook that writes elsewhere should use the order id as its idempotency key.
 * A hook that throws leaves the order unfulfilled and not completed; the next IPN retry or read tries again.
 */
import type { Logger } from 'pino';
import type { OrderRecord } from '../store/orders.ts';

export type Fulfil = (order: OrderRecord, o: { log: Logger }) => Promise<void>;

/**
 * The sample's goods are digital: recording the fulfilment (the store does, when this resolves) is delivering
 * them. A real shop calls its own systems here.
 */
export const fulfilDigitalGoods: Fulfil = async (order, { log }) => {
  log.info(
    { orderId: order.id, items: order.items.map((item) => `${item.quantity} x ${item.productId}`) },
    'order fulfilled: digital goods delivered',
  );
};
