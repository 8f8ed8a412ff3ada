/**
 * Why the order service refuses a buyer's request, in the service's own words. The HTTP layer
 * (http/error-handler.ts) gives each kind the contract's code; the message is for people and logs, `details`
 * goes to the mini app.
 */
export type OrderRefusal =
  /** No such order for this user (another user's order included). */
  | 'not_found'
  | 'unknown_product'
  /** The same product on two lines of one cart. */
  | 'duplicate_product'
  /** Above the cap for one order, ours or Tiki's. */
  | 'amount_limit_exceeded'
  /** The Idempotency-Key came with another cart before. */
  | 'key_reused'
  /** The order under this key, or this order, is still being created. */
  | 'in_progress'
  /** Tiki says the order is paid: it is delivered, not canceled. */
  | 'not_cancelable'
  /** Tiki refused to create the order for a reason the buyer cannot fix. */
  | 'tiki_refused'
  /** Tiki created the order, and our database did not store it in time (a retry with the same key finds it). */
  | 'not_stored'
  /** A page cursor this server did not give. */
  | 'bad_cursor';

export class OrderError extends Error {
  override readonly name = 'OrderError';
  constructor(
    readonly kind: OrderRefusal,
    message: string,
    readonly details?: Record<string, unknown>,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
