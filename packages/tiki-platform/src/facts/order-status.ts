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
/** One of the statuses above: a typo does not compile. */
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/**
 * A status Tiki answered that this code does not know (Tiki added one). It is never one of ours: whoever reads
 * Tiki's order must decide what to do with it (the server keeps what it knew and logs the name), and adding the
 * name to ORDER_STATUSES is the fix.
 */
export interface UnknownOrderStatus {
  readonly unknown: string;
}

export function isOrderStatus(text: string): text is OrderStatus {
  return (ORDER_STATUSES as readonly string[]).includes(text);
}

/** Tiki's status text as this code reads it. */
export function readOrderStatus(text: string): OrderStatus | UnknownOrderStatus {
  return isOrderStatus(text) ? text : { unknown: text };
}

/** Narrows an order read from Tiki to one whose status this code knows. */
export function hasKnownStatus<T extends { status: OrderStatus | UnknownOrderStatus }>(
  order: T,
): order is T & { status: OrderStatus } {
  return typeof order.status === 'string';
}

/** The name to log or show: the status, or the unknown text Tiki sent. */
export function orderStatusName(status: OrderStatus | UnknownOrderStatus): string {
  return typeof status === 'string' ? status : status.unknown;
}

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
