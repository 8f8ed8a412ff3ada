/**
 * Tiki's order statuses, without zod: the mini app's bundle reads them through the API contract.
 */

/**
 * Order statuses (docs/backend-api/payment/order-status.md). `completed` and `canceled` are final; Tiki pays out
 * only `completed` orders, and every order must end in one of the two. `refunded` existed in 2022 docs only.
 */
export const ORDER_STATUSES = [
  'draft',
  'waiting_for_payment',
  'waiting_for_verification',
  'online_paid',
  'processing',
  'on_delivery',
  'canceled',
  'completed',
] as const;
export type KnownOrderStatus = (typeof ORDER_STATUSES)[number];
/** A status Tiki adds later passes through as text. */
export type OrderStatus = KnownOrderStatus | (string & {});

export const FINAL_ORDER_STATUSES: readonly OrderStatus[] = ['completed', 'canceled'];

/**
 * The statuses that mean the user has paid (or, for COD, committed): `online_paid`, and `processing`, which
 * my.makePayment's doc (docs/api/open/make-payment.md) says paid and COD orders move to: accept both.
 */
export const PAID_ORDER_STATUSES: readonly OrderStatus[] = ['online_paid', 'processing'];

/** Statuses an order reaches after the buyer's side is done, whether paid online or cash on delivery. */
const AFTER_PAYMENT_STATUSES: readonly OrderStatus[] = ['processing', 'on_delivery', 'completed'];

/**
 * Whether Tiki took the buyer's money online. `online_paid` says so. The statuses after it (`processing`,
 * `on_delivery`, `completed`) are reached by cash on delivery too, which collects nothing before delivery, so
 * for them the proof is `tiki_order_code`: assumption, the docs say the `tiki_` fields are "" until the user
 * pays and name no field for COD, so an order paid online carries the code and a COD order does not.
 */
export function isPaidOnline(order: { status: OrderStatus; tiki_order_code: string }): boolean {
  return (
    order.status === 'online_paid' ||
    (order.tiki_order_code !== '' && AFTER_PAYMENT_STATUSES.includes(order.status))
  );
}

/** Cash on delivery: past the payment screen without an online payment (see isPaidOnline). */
export function isCashOnDelivery(order: { status: OrderStatus; tiki_order_code: string }): boolean {
  return AFTER_PAYMENT_STATUSES.includes(order.status) && !isPaidOnline(order);
}

export function isFinalOrderStatus(status: OrderStatus): boolean {
  return FINAL_ORDER_STATUSES.includes(status);
}
