/**
 * What the store keeps of payments: our orders (each tied to one Tiki order), and the IPN messages applied.
 * Every guarantee that must hold across processes is one conditional write here: one order per idempotency key,
 * one fulfilment per order (a claim with an expiry, taken over if its owner dies), one status re-read from Tiki
 * per order per interval.
 */

import type { OrderStatus } from '@tini-starter/tiki-platform/order-status';

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
  status: string;
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
  /** When our fulfilment hook finished, or null. */
  fulfilledAt: number | null;
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

export interface OrderStore {
  /**
   * Inserts a `creating` order, unless the user already has one under the same idempotency key within
   * `idempotencyWindowMs` (an older one gives its key up): then that one is returned instead.
   */
  createOrder(
    order: NewOrder,
    idempotencyWindowMs: number,
  ): Promise<{ created: true; order: OrderRecord } | { created: false; existing: OrderRecord }>;
  /** Tiki created it: its id and status (the status only while still `creating`: an IPN may have come first). */
  attachTikiOrder(
    id: string,
    tiki: { tikiOrderId: string; status: string; now: number },
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
   * What Tiki says of the order now: its id if we had none, its status unless ours is already final, and the
   * newest message time applied.
   */
  applyTikiStatus(
    id: string,
    tiki: { tikiOrderId: string; status: string; messageAt: number | null; now: number },
  ): Promise<OrderRecord | null>;
  /** True for one caller per `minIntervalMs`: that one may re-read the order from Tiki. */
  claimStatusCheck(id: string, now: number, minIntervalMs: number): Promise<boolean>;
  /** True for the one caller that may run the fulfilment hook now (none holds a live claim, not yet fulfilled). */
  claimFulfilment(id: string, claim: { owner: string; now: number; claimMs: number }): Promise<boolean>;
  /** Marks the order fulfilled if `owner` still holds the claim. */
  finishFulfilment(id: string, owner: string, now: number): Promise<boolean>;
  /** Gives up `owner`'s claim after the hook failed, so that the next IPN or read tries again. */
  releaseFulfilment(id: string, owner: string): Promise<void>;
  /** Records an IPN message as applied; false if it already was. */
  recordIpnMessage(m: {
    messageId: string;
    orderId: string;
    createdAt: number;
    now: number;
  }): Promise<boolean>;
  hasIpnMessage(messageId: string): Promise<boolean>;
}
