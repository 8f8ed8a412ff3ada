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

export function isFinalOrderStatus(status: OrderStatus): boolean {
  return FINAL_ORDER_STATUSES.includes(status);
}
