/**
 * Orders, from the cart to a completed Tiki order. Our order is written first (`creating`), then Tiki's is
 * created with `reference_id` = our id; the mini app pays Tiki's id with my.makePayment. Whatever tells us the
 * order moved (an IPN, or the mini app reading it), the status applied is the one Tiki answers to a signed
 * re-read, never the one a message claims. A paid order is fulfilled once (fulfilment.ts), then completed at
 * Tiki, which pays out completed orders only.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { CreateOrderRequest } from '@tini-starter/api-contract/payments';
import type { TikiClient } from '@tini-starter/tiki-platform/client';
import type { Clock } from '@tini-starter/tiki-platform/clock';
import { isTransient, TikiApiError } from '@tini-starter/tiki-platform/errors';
import { isFinalOrderStatus, PAID_ORDER_STATUSES } from '@tini-starter/tiki-platform/order-status';
import {
  ORDER_AMOUNT_LIMIT_VND,
  TIKI_PAYMENT_REASONS,
  type TikiOrder,
} from '@tini-starter/tiki-platform/payments';
import type { Caller } from '../auth/login.ts';
import { ApiError } from '../http/api-error.ts';
import type { OrderRecord } from '../store/orders.ts';
import type { Store, UserRecord } from '../store/store.ts';
import { tikiFailureToApiError } from '../tiki/failures.ts';
import { productById } from './catalogue.ts';
import type { Fulfil } from './fulfilment.ts';

export interface OrderServiceOptions {
  store: Store;
  tiki: TikiClient;
  clock: Clock;
  fulfil: Fulfil;
  /** A user's order is re-read from Tiki at most once per this interval (reads poll while payment is pending). */
  statusCheckIntervalMs: number;
  /** How long a fulfilment claim lasts before another process may take it over (its owner died). */
  fulfilClaimMs: number;
  /** How long an Idempotency-Key names the same order (a day). */
  idempotencyWindowMs: number;
  /**
   * The caller that fulfils an order completes it at Tiki. Others complete it only once the fulfilment is this
   * old (its caller died, or its complete call failed): concurrent IPNs and reads complete an order once.
   */
  completeRetryAfterMs: number;
}

export interface OrderPage {
  orders: OrderRecord[];
  next?: string;
}

export interface OrderService {
  create(
    user: UserRecord,
    cart: CreateOrderRequest,
    idempotencyKey: string | null,
    caller: Caller,
  ): Promise<OrderRecord>;
  /** The user's order, re-read from Tiki first when its status may still change (limited per order). */
  get(userId: string, orderId: string, caller: Caller): Promise<OrderRecord>;
  list(userId: string, cursor: string | undefined): Promise<OrderPage>;
  cancel(userId: string, orderId: string, caller: Caller): Promise<OrderRecord>;
  /**
   * Applies what Tiki answered of `order` (the IPN's re-read): its status, then fulfilment and completion once
   * paid. Throws a transient Tiki failure (the IPN then asks Tiki to retry).
   */
  applyFromTiki(
    order: OrderRecord,
    tikiOrder: TikiOrder,
    messageAt: number | null,
    caller: Caller,
  ): Promise<OrderRecord>;
}

const PAGE_SIZE = 20;

function newOrderId(): string {
  return `ord_${randomBytes(12).toString('base64url')}`;
}

/** The cart as the server prices it; what an idempotency key is compared on. */
function cartHash(items: readonly { productId: string; quantity: number }[]): string {
  const canonical = items.map((item) => `${item.productId}x${item.quantity}`).join(',');
  return createHash('sha256').update(canonical).digest('hex');
}

const isPaid = (status: string) => PAID_ORDER_STATUSES.includes(status);

/** Tiki refused to create the order: the cap is the user's to fix, the rest is the shop's (or Tiki's). */
function createFailure(error: unknown): unknown {
  if (error instanceof TikiApiError && error.reason === TIKI_PAYMENT_REASONS.amountLimitExceeded) {
    return new ApiError(
      'order_amount_limit_exceeded',
      'Tiki refused the order: its total is above the limit',
      undefined,
      {
        cause: error,
      },
    );
  }
  if (error instanceof TikiApiError && Object.values(TIKI_PAYMENT_REASONS).includes(error.reason as never)) {
    return new ApiError('tiki_order_refused', `Tiki refused the order (${error.reason})`, undefined, {
      cause: error,
    });
  }
  return tikiFailureToApiError(error) ?? error;
}

export function createOrderService(o: OrderServiceOptions): OrderService {
  const { store, tiki, clock } = o;

  async function owned(userId: string, orderId: string): Promise<OrderRecord> {
    const order = await store.getOrder(orderId);
    // Another user's order is as unknown as a missing one.
    if (order === null || order.userId !== userId || order.state !== 'created') {
      throw new ApiError('not_found', 'No such order');
    }
    return order;
  }

  /** The order after its fulfilment, and whether this caller ran it. */
  async function fulfilOnce(
    order: OrderRecord,
    caller: Caller,
  ): Promise<{ order: OrderRecord; here: boolean }> {
    const owner = randomBytes(9).toString('base64url');
    if (!(await store.claimFulfilment(order.id, { owner, now: clock.now(), claimMs: o.fulfilClaimMs }))) {
      // Done already, or another request or process is on it right now: it completes the order.
      return { order: (await store.getOrder(order.id)) ?? order, here: false };
    }
    try {
      await o.fulfil(order, { log: caller.log });
    } catch (error) {
      await store.releaseFulfilment(order.id, owner);
      throw error;
    }
    await store.finishFulfilment(order.id, owner, clock.now());
    return { order: (await store.getOrder(order.id)) ?? order, here: true };
  }

  async function applyFromTiki(
    order: OrderRecord,
    tikiOrder: TikiOrder,
    messageAt: number | null,
    caller: Caller,
  ): Promise<OrderRecord> {
    let current =
      (await store.applyTikiStatus(order.id, {
        tikiOrderId: tikiOrder.id,
        status: tikiOrder.status,
        messageAt,
        now: clock.now(),
      })) ?? order;
    let fulfilledHere = false;
    if (isPaid(current.status) && current.fulfilledAt === null) {
      ({ order: current, here: fulfilledHere } = await fulfilOnce(current, caller));
    }
    const completeIsMine =
      fulfilledHere ||
      (current.fulfilledAt !== null && clock.now() - current.fulfilledAt >= o.completeRetryAfterMs);
    if (
      isPaid(current.status) &&
      current.fulfilledAt !== null &&
      current.tikiOrderId !== null &&
      completeIsMine
    ) {
      // Tiki pays out completed orders only. Completing twice is harmless (the second answers it unchanged).
      const completed = await tiki.completeOrder(
        { orderId: current.tikiOrderId, comment: 'Đã giao hàng (fulfilled)' },
        { requestId: caller.requestId },
      );
      current =
        (await store.applyTikiStatus(current.id, {
          tikiOrderId: completed.id,
          status: completed.status,
          messageAt: null,
          now: clock.now(),
        })) ?? current;
      caller.log.info({ orderId: current.id, status: current.status }, 'order completed at Tiki');
    }
    return current;
  }

  /** Re-reads a non-final order from Tiki (once per interval); a Tiki failure keeps what we know. */
  async function refresh(order: OrderRecord, caller: Caller): Promise<OrderRecord> {
    const settled = isFinalOrderStatus(order.status);
    if (order.tikiOrderId === null || settled) return order;
    if (!(await store.claimStatusCheck(order.id, clock.now(), o.statusCheckIntervalMs))) return order;
    try {
      const tikiOrder = await tiki.getOrder(order.tikiOrderId, { requestId: caller.requestId });
      return await applyFromTiki(order, tikiOrder, null, caller);
    } catch (error) {
      if (!isTransient(error)) throw error;
      caller.log.warn(
        { orderId: order.id, err: error },
        'could not re-read the order from Tiki; answering what we know',
      );
      return (await store.getOrder(order.id)) ?? order;
    }
  }

  return {
    async create(user, cart, idempotencyKey, caller) {
      const seen = new Set<string>();
      const items = cart.items.map(({ productId, quantity }) => {
        const product = productById(productId);
        if (product === undefined) {
          throw new ApiError('unknown_product', `No product "${productId}" in the catalogue`, { productId });
        }
        if (seen.has(productId)) {
          throw new ApiError(
            'invalid_request',
            `Product "${productId}" appears twice; give one line its quantity`,
          );
        }
        seen.add(productId);
        return { productId, name: product.name, quantity, price: product.price };
      });
      const grandTotal = items.reduce((sum, item) => sum + item.price * item.quantity, 0);
      if (grandTotal > ORDER_AMOUNT_LIMIT_VND) {
        throw new ApiError(
          'order_amount_limit_exceeded',
          `The total ${grandTotal} VND is above Tiki's limit of ${ORDER_AMOUNT_LIMIT_VND} VND for one order`,
          { grandTotal, limit: ORDER_AMOUNT_LIMIT_VND },
        );
      }
      const requestHash = idempotencyKey === null ? null : cartHash(items);
      const result = await store.createOrder(
        {
          id: newOrderId(),
          userId: user.id,
          grandTotal,
          items,
          idempotencyKey,
          requestHash,
          now: clock.now(),
        },
        o.idempotencyWindowMs,
      );
      if (!result.created) {
        const { existing } = result;
        if (existing.requestHash !== requestHash) {
          throw new ApiError(
            'idempotency_key_reused',
            'This Idempotency-Key was used for another cart; use a new key',
          );
        }
        if (existing.state === 'creating') {
          throw new ApiError(
            'order_in_progress',
            'The order with this Idempotency-Key is still being created',
          );
        }
        return existing;
      }
      const { order } = result;
      let tikiOrder: TikiOrder;
      try {
        // Never retried: creating an order is not idempotent at Tiki.
        tikiOrder = await tiki.createOrder(
          {
            customer_id: String(user.tikiCustomerId),
            items: items.map((item) => ({ name: item.name, quantity: item.quantity, price: item.price })),
            reference_id: order.id,
          },
          { requestId: caller.requestId },
        );
      } catch (error) {
        // Nothing was sold: our order goes. On a timeout Tiki may hold a draft nobody can pay (no one has its id).
        await store.abandonOrder(order.id);
        caller.log.warn({ orderId: order.id, err: error }, 'Tiki did not create the order');
        throw createFailure(error);
      }
      caller.log.info({ orderId: order.id, tikiOrderId: tikiOrder.id, grandTotal }, 'order created at Tiki');
      return (
        (await store.attachTikiOrder(order.id, {
          tikiOrderId: tikiOrder.id,
          status: tikiOrder.status,
          now: clock.now(),
        })) ?? order
      );
    },

    async get(userId, orderId, caller) {
      return refresh(await owned(userId, orderId), caller);
    },

    async list(userId, cursor) {
      const before = cursor === undefined ? undefined : readCursor(cursor);
      const rows = await store.listOrders(userId, { limit: PAGE_SIZE + 1, ...(before ? { before } : {}) });
      const orders = rows.slice(0, PAGE_SIZE);
      const last = orders.at(-1);
      return rows.length > PAGE_SIZE && last !== undefined
        ? { orders, next: Buffer.from(`${last.createdAt}.${last.id}`).toString('base64url') }
        : { orders };
    },

    async cancel(userId, orderId, caller) {
      let order = await owned(userId, orderId);
      if (order.status === 'canceled') return order;
      if (order.tikiOrderId === null)
        throw new ApiError('order_in_progress', 'The order is still being created');
      // Tiki's word first: a payment whose IPN has not arrived yet must not be canceled (and refunded) here.
      order = await applyFromTiki(
        order,
        await tiki.getOrder(order.tikiOrderId, { requestId: caller.requestId }),
        null,
        caller,
      );
      if (isPaid(order.status) || order.status === 'completed' || order.status === 'on_delivery') {
        throw new ApiError(
          'order_not_cancelable',
          `The order is ${order.status}; it can no longer be canceled`,
        );
      }
      if (order.status === 'canceled') return order;
      const canceled = await tiki.cancelOrder(
        {
          orderId: order.tikiOrderId ?? '',
          comment: 'Người mua hủy đơn trong ứng dụng (canceled by the buyer)',
        },
        { requestId: caller.requestId },
      );
      caller.log.info({ orderId: order.id }, 'order canceled at Tiki');
      return (
        (await store.applyTikiStatus(order.id, {
          tikiOrderId: canceled.id,
          status: canceled.status,
          messageAt: null,
          now: clock.now(),
        })) ?? order
      );
    },

    applyFromTiki,
  };
}

function readCursor(cursor: string): { createdAt: number; id: string } {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const dot = text.indexOf('.');
  const createdAt = Number(text.slice(0, dot));
  const id = text.slice(dot + 1);
  if (dot < 1 || !Number.isSafeInteger(createdAt) || !id.startsWith('ord_')) {
    throw new ApiError('invalid_request', 'The cursor is not one this server gave');
  }
  return { createdAt, id };
}
