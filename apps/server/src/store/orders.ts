/**
 * What the store keeps of payments: our orders (each tied to one Tiki order), and the IPN messages applied.
 * Every guarantee that must hold across processes is one conditional write here: one order per idempotency key;
 * one status re-read from Tiki per order per interval; and one actor at a time on an order's side effects (a
 * claim with an expiry, taken over if its owner dies), so that a fulfilment and a cancel at Tiki exclude each
 * other: a fulfilment needs a payment and no decision to cancel, and a cancel needs no fulfilment ever started.
 */

import type { CancelReason } from '@tini-starter/api-contract/payments';
import type { OrderStatus } from '@tini-starter/tiki-platform/order-status';

export type { CancelReason };

export interface OrderItemRecord {
  productId: string;
  name: string;
  quantity: number;
  /** VND per unit, as charged. */
  price: number;
}

/** The status an order has before Tiki answered: Tiki creates orders as drafts. */
export const INITIAL_ORDER_STATUS = 'draft' satisfies OrderStatus;

/** `creating` until Tiki answered the create call (or an IPN told us its id first); `created` after. */
export type OrderState = 'creating' | 'created';

export interface OrderRecord {
  /** Our id, sent to Tiki as `reference_id`. */
  id: string;
  userId: string;
  state: OrderState;
  /** Tiki's status name (draft, waiting_for_payment, online_paid, ..., completed, canceled). */
  status: OrderStatus;
  grandTotal: number;
  items: OrderItemRecord[];
  /** Tiki's order id (what my.makePayment takes): a string of digits, null until Tiki answered. */
  tikiOrderId: string | null;
  idempotencyKey: string | null;
  /** sha256 of the cart, to tell a retry from a different cart under the same key. */
  requestHash: string | null;
  /** The newest IPN's message_created_at applied (ms), or null. */
  lastMessageAt: number | null;
  /** When the status was last re-read from Tiki (ms), or null. */
  checkedAt: number | null;
  /** When Tiki first said the buyer paid online (ms), or null: nothing is delivered before it. */
  paidAt: number | null;
  /** When our fulfilment hook finished, or null. */
  fulfilledAt: number | null;
  /** Fulfilment attempts started (a claim taken), whatever their outcome. */
  fulfilAttempts: number;
  /** A failed fulfilment is tried again from this instant (backoff), or null. */
  retryAt: number | null;
  /** Set once the order is to be canceled at Tiki (or Tiki canceled it); it is never fulfilled after. */
  cancelReason: CancelReason | null;
  createdAt: number;
  updatedAt: number;
}

export interface NewOrder {
  id: string;
  userId: string;
  grandTotal: number;
  items: OrderItemRecord[];
  idempotencyKey: string | null;
  requestHash: string | null;
  now: number;
}

/** How long an Idempotency-Key names one order, and how long an attempt of unknown outcome holds it. */
export interface IdempotencyKeyPolicy {
  windowMs: number;
  creatingStaleMs: number;
}

/** What Tiki said of an order (an IPN's re-read, a read, the sweep's list). */
export interface TikiStatusUpdate {
  tikiOrderId: string;
  status: OrderStatus;
  /** Tiki took the money online (isPaidOnline): `paidAt` is set the first time. */
  paidOnline: boolean;
  /** The IPN's message_created_at (ms) when an IPN told us, else null. */
  messageAt: number | null;
  now: number;
}

/** A claim on an order's side effects: who holds it, and for how long from `now`. */
export interface OrderClaim {
  owner: string;
  now: number;
  claimMs: number;
}

export interface IpnMessageRecord {
  messageId: string;
  orderId: string;
  /** message_created_at, ms. */
  createdAt: number;
  now: number;
}

export interface OrderStore {
  /**
   * Inserts a `creating` order, unless the user already has one under the same idempotency key within
   * `windowMs`: then that one is returned instead. An older one gives its key up, and so does one still
   * `creating` after `creatingStaleMs` (its create died or lost its answer: the key must not stay locked).
   */
  createOrder(
    order: NewOrder,
    keys: IdempotencyKeyPolicy,
  ): Promise<{ created: true; order: OrderRecord } | { created: false; existing: OrderRecord }>;
  /** Tiki created it: its id and status (the status only while still `creating`: an IPN may have come first). */
  attachTikiOrder(
    id: string,
    tiki: { tikiOrderId: string; status: OrderStatus; now: number },
  ): Promise<OrderRecord | null>;
  /** Tiki refused or failed to create it: the `creating` order is deleted (nothing was sold). */
  abandonOrder(id: string): Promise<void>;
  getOrder(id: string): Promise<OrderRecord | null>;
  findOrderByTikiId(tikiOrderId: string): Promise<OrderRecord | null>;
  /** The user's created orders, newest first, strictly before `before` when given. */
  listOrders(
    userId: string,
    page: { before?: { createdAt: number; id: string }; limit: number },
  ): Promise<OrderRecord[]>;
  /**
   * What Tiki says of the order now: its id if we had none, its status, the newest message time applied,
   * `paidAt` the first time Tiki says paid, and `cancelReason` `tiki` when Tiki canceled an order we had not
   * decided to cancel. A final order (completed, canceled) is never written again: it is answered as it is.
   */
  applyTikiStatus(id: string, tiki: TikiStatusUpdate): Promise<OrderRecord | null>;
  /**
   * An IPN's outcome in one transaction: records the message and applies what Tiki said (as applyTikiStatus),
   * or, when the message was recorded already, applies nothing (`duplicate`). Null when the order is gone.
   */
  applyIpnMessage(
    id: string,
    tiki: TikiStatusUpdate,
    message: IpnMessageRecord,
  ): Promise<{ order: OrderRecord; duplicate: boolean } | null>;
  /** True for one caller per `minIntervalMs`: that one may re-read the order from Tiki. */
  claimStatusCheck(id: string, now: number, minIntervalMs: number): Promise<boolean>;
  /**
   * The sweep's next orders to re-read: up to `limit` created, non-final orders with a Tiki id that nobody
   * re-read since `checkedBefore`, oldest check first, each marked checked at `now` in the same write, so that
   * sweeps running at once in several processes take different orders.
   */
  claimSweepBatch(i: { now: number; checkedBefore: number; limit: number }): Promise<OrderRecord[]>;
  /**
   * The claim to run the fulfilment hook now: granted when the order is paid (`paidAt`), not final, not yet
   * fulfilled, not to be canceled, due (`retryAt`), and nobody holds a live claim. Counts an attempt.
   */
  claimFulfilment(id: string, claim: OrderClaim): Promise<boolean>;
  /**
   * Extends `owner`'s live claim to `now + claimMs`; false once it expired (anyone may have taken it over since:
   * its owner must stop).
   */
  renewClaim(id: string, claim: OrderClaim): Promise<boolean>;
  /** Marks the order fulfilled if `owner` still holds the claim, and frees it. */
  finishFulfilment(id: string, owner: string, now: number): Promise<boolean>;
  /**
   * The hook failed: if `owner` still holds the claim, either the order gives up (after `maxAttempts`
   * attempts: `cancelReason` becomes `fulfilment_failed`, and `owner` keeps the claim to cancel it at Tiki), or
   * the claim is freed and the next attempt waits until `retryAt`. Null when the claim was lost.
   */
  failFulfilment(
    id: string,
    owner: string,
    i: { now: number; retryAt: number; maxAttempts: number },
  ): Promise<OrderRecord | null>;
  /**
   * The claim to cancel the order at Tiki, with `reason` recorded unless a reason is already (the first
   * decision stands). Granted when the order is not final, never fulfilled, nobody else holds a live claim,
   * and either a cancel was decided already or no payment and no fulfilment attempt was ever seen. Null if not.
   */
  claimCancel(id: string, claim: OrderClaim & { reason: CancelReason }): Promise<OrderRecord | null>;
  /**
   * A cash-on-delivery order was handed over and paid for: `paidAt` and `fulfilledAt` become `now`. Null unless
   * it is not final, never fulfilled, not to be canceled and unclaimed (nothing else is acting on it).
   */
  recordCashDelivery(id: string, now: number): Promise<OrderRecord | null>;
  /** Takes back the decision to cancel (Tiki said paid meanwhile) and frees `owner`'s claim. */
  withdrawCancel(id: string, owner: string): Promise<boolean>;
  /** Frees `owner`'s claim, whatever it was for. */
  releaseClaim(id: string, owner: string): Promise<void>;
  /**
   * When the oldest order that is paid, not yet fulfilled and not final was paid (ms), or null when there is
   * none: money taken and nothing delivered yet (the metrics' gauge, read once per sweep run).
   */
  oldestUnfulfilledPaidAt(): Promise<number | null>;
  /** Records an IPN message as applied; false if it already was. */
  recordIpnMessage(m: IpnMessageRecord): Promise<boolean>;
  hasIpnMessage(messageId: string): Promise<boolean>;
}
