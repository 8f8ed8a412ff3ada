/**
 * What happens when Tiki says an order is paid: the hook a fork replaces (ship the goods, credit the account,
 * send the e-ticket). The lifecycle (lifecycle.ts) calls it once per order across every server process (a claim
 * in the store), then completes the order at Tiki, which pays out completed orders only.
 *
 * What a hook may rely on:
 * - It runs only for an order Tiki says was paid online, and never for one being canceled.
 * - Its claim is renewed while it runs, however long that is. If the claim is lost anyway (this process was
 *   frozen past the claim's expiry and another took the order over), `signal` aborts: stop, and do not deliver.
 * - A hook that throws has delivered nothing: it is tried again with backoff (FULFILMENT_MAX_ATTEMPTS in all),
 *   then the order is canceled at Tiki, which refunds the buyer.
 * - The one case of a second run: the process dies while the hook runs. Use the order id as the idempotency key
 *   of whatever the hook writes elsewhere.
 */
import type { Logger } from 'pino';
import type { OrderRecord } from '../store/orders.ts';

export type Fulfil = (order: OrderRecord, o: { log: Logger; signal: AbortSignal }) => Promise<void>;

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
