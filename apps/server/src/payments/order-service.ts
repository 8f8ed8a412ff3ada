/**
 * The buyer's side of orders: the cart priced and created at Tiki, reads, the list, and a cancel. Our order is
 * written first (`creating`), then Tiki's is created with `reference_id` = our id; the mini app pays Tiki's id
 * with my.makePayment. What happens after (Tiki's status applied, fulfilment, completion, cancels) is the
 * lifecycle's (lifecycle.ts), whoever notices the order moved: a read here, an IPN, or the sweep.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { CreateOrderRequest } from '@tini-starter/api-contract/payments';
import type { TikiClient } from '@tini-starter/tiki-platform/client';
import type { Clock } from '@tini-starter/tiki-platform/clock';
import { isTransient, TikiApiError } from '@tini-starter/tiki-platform/errors';
import { hasKnownStatus, isFinalOrderStatus } from '@tini-starter/tiki-platform/order-status';
import { TIKI_PAYMENT_REASONS, type TikiOrder } from '@tini-starter/tiki-platform/payments';
import type { Caller } from '../auth/login.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { INITIAL_ORDER_STATUS, type OrderRecord } from '../store/orders.ts';
import { StorageUnavailableError, type Store, type UserRecord } from '../store/store.ts';
import { productById } from './catalogue.ts';
import { OrderError } from './errors.ts';
import type { OrderLifecycle } from './lifecycle.ts';

export interface OrderServiceOptions {
  store: Store;
  tiki: TikiClient;
  clock: Clock;
  lifecycle: OrderLifecycle;
  metrics: Metrics;
  /** A user's order is re-read from Tiki at most once per this interval (reads poll while payment is pending). */
  statusCheckIntervalMs: number;
  /** The largest order Tiki takes from this app, VND (ORDER_AMOUNT_LIMIT_VND): checked before calling Tiki. */
  amountLimitVnd: number;
  /** How long an Idempotency-Key names the same order (a day). */
  idempotencyWindowMs: number;
  /**
   * The longest a create can take: its writes' waits for the database and one Tiki call. An attempt still
   * `creating` after it died or lost its answer, and a retry with the same key makes a new attempt.
   */
  creatingStaleMs: number;
  /** How long one store write may wait before it fails (DATABASE_BUSY_TIMEOUT_MS): paces the retries below. */
  storageWaitMs: number;
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
  /**
   * The buyer cancels an unpaid order at Tiki. Refused (409 order_not_cancelable) once Tiki says it is paid or
   * its delivery started: a cancel and a fulfilment never both happen. An order whose cancel is decided and
   * under way elsewhere is answered as it is (`cancelReason` set, not yet `canceled`).
   */
  cancel(userId: string, orderId: string, caller: Caller): Promise<OrderRecord>;
}

const PAGE_SIZE = 20;

function newOrderId(): string {
  return `ord_${randomBytes(12).toString('base64url')}`;
}

/** The cart as the server prices it, whatever its lines' order: what an idempotency key is compared on. */
function cartHash(items: readonly { productId: string; quantity: number }[]): string {
  const canonical = items
    .map((item) => `${item.productId}x${item.quantity}`)
    .sort()
    .join(',');
  return createHash('sha256').update(canonical).digest('hex');
}

/** After Tiki created the order, storing its id is retried in the background this many times, waits doubling. */
const ATTACH_RETRIES = 4;

/** Tiki refused to create the order: the cap is the user's to fix, the rest is the shop's (or Tiki's). */
function createFailure(error: unknown): unknown {
  if (error instanceof TikiApiError && error.reason === TIKI_PAYMENT_REASONS.amountLimitExceeded) {
    return new OrderError(
      'amount_limit_exceeded',
      'Tiki refused the order: its total is above the limit',
      undefined,
      {
        cause: error,
      },
    );
  }
  // A documented reason, or none at all with a 4xx (the reason is optional): Tiki refused this order.
  const refused =
    error instanceof TikiApiError &&
    (Object.values(TIKI_PAYMENT_REASONS).includes(error.reason as never) ||
      (error.reason === '' && error.status >= 400 && error.status < 500));
  if (refused) {
    return new OrderError(
      'tiki_refused',
      `Tiki refused the order (${error.reason || `HTTP ${error.status}`})`,
      undefined,
      { cause: error },
    );
  }
  return error;
}

export function createOrderService(o: OrderServiceOptions): OrderService {
  const { store, tiki, clock } = o;

  async function owned(userId: string, orderId: string): Promise<OrderRecord> {
    const order = await store.getOrder(orderId);
    // Another user's order is as unknown as a missing one.
    if (order === null || order.userId !== userId || order.state !== 'created') {
      throw new OrderError('not_found', 'No such order');
    }
    return order;
  }

  /** Re-reads a non-final order from Tiki (once per interval); a Tiki failure keeps what we know. */
  async function refresh(order: OrderRecord, caller: Caller): Promise<OrderRecord> {
    const settled = isFinalOrderStatus(order.status);
    if (order.tikiOrderId === null || settled) return order;
    if (!(await store.claimStatusCheck(order.id, clock.now(), o.statusCheckIntervalMs))) return order;
    try {
      const tikiOrder = await tiki.getOrder(order.tikiOrderId, { requestId: caller.requestId });
      return await o.lifecycle.apply(order, tikiOrder, caller);
    } catch (error) {
      if (!isTransient(error)) throw error;
      caller.log.warn(
        { orderId: order.id, err: error },
        'could not re-read the order from Tiki; answering what we know',
      );
      return (await store.getOrder(order.id)) ?? order;
    }
  }

  /** Retries storing Tiki's id after the request gave up; once stored, the same key answers the order. */
  function keepAttaching(
    attach: () => Promise<OrderRecord | null>,
    ids: { orderId: string; tikiOrderId: string },
    caller: Caller,
  ): void {
    void (async () => {
      for (let retry = 0; retry < ATTACH_RETRIES; retry++) {
        await new Promise((resolve) => setTimeout(resolve, o.storageWaitMs * 2 ** retry).unref());
        try {
          await attach();
          caller.log.warn(ids, 'stored the id of the order Tiki created, after the database came back');
          return;
        } catch (err) {
          if (!(err instanceof StorageUnavailableError)) {
            caller.log.error({ ...ids, err }, 'could not store the id of the order Tiki created');
            return;
          }
        }
      }
      caller.log.error(
        ids,
        'could not store the id of the order Tiki created: it stays a draft at Tiki nobody can pay; cancel it there',
      );
    })();
  }

  return {
    async create(user, cart, idempotencyKey, caller) {
      const seen = new Set<string>();
      const items = cart.items.map(({ productId, quantity }) => {
        const product = productById(productId);
        if (product === undefined) {
          throw new OrderError('unknown_product', `No product "${productId}" in the catalogue`, {
            productId,
          });
        }
        if (seen.has(productId)) {
          throw new OrderError(
            'duplicate_product',
            `Product "${productId}" appears twice; give one line its quantity`,
          );
        }
        seen.add(productId);
        return { productId, name: product.name, quantity, price: product.price };
      });
      const grandTotal = items.reduce((sum, item) => sum + item.price * item.quantity, 0);
      if (grandTotal > o.amountLimitVnd) {
        throw new OrderError(
          'amount_limit_exceeded',
          `The total ${grandTotal} VND is above Tiki's limit of ${o.amountLimitVnd} VND for one order`,
          { grandTotal, limit: o.amountLimitVnd },
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
        { windowMs: o.idempotencyWindowMs, creatingStaleMs: o.creatingStaleMs },
      );
      if (!result.created) {
        const { existing } = result;
        if (existing.requestHash !== requestHash) {
          throw new OrderError('key_reused', 'This Idempotency-Key was used for another cart; use a new key');
        }
        if (existing.state === 'creating') {
          const seconds = Math.ceil((existing.createdAt + o.creatingStaleMs - clock.now()) / 1000);
          throw new OrderError(
            'in_progress',
            `The order with this Idempotency-Key is still being created; ask again within ${Math.max(seconds, 1)} s`,
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
      o.metrics.orderCreated();
      const attach = () =>
        store.attachTikiOrder(order.id, {
          tikiOrderId: tikiOrder.id,
          // A new order is a draft; a status this code does not know is read again by the lifecycle.
          status: hasKnownStatus(tikiOrder) ? tikiOrder.status : INITIAL_ORDER_STATUS,
          now: clock.now(),
        });
      try {
        return (await attach()) ?? order;
      } catch (error) {
        if (!(error instanceof StorageUnavailableError)) throw error;
        // Tiki holds a draft only its id can reach (Tiki has no lookup by reference_id): keep trying to store it.
        keepAttaching(attach, { orderId: order.id, tikiOrderId: tikiOrder.id }, caller);
        throw new OrderError(
          'not_stored',
          'Tiki created the order but our database did not store it in time; ask again with the same Idempotency-Key',
          undefined,
          { cause: error },
        );
      }
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
      const order = await owned(userId, orderId);
      if (order.status === 'canceled') return order;
      if (order.tikiOrderId === null) throw new OrderError('in_progress', 'The order is still being created');
      const outcome = await o.lifecycle.cancel(order, 'buyer', caller);
      if (outcome.kind === 'refused') {
        throw new OrderError(
          'not_cancelable',
          `The order is ${outcome.order.status}${outcome.order.paidAt === null ? '' : ' and paid'}; it can no longer be canceled`,
        );
      }
      return outcome.order;
    },
  };
}

function readCursor(cursor: string): { createdAt: number; id: string } {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const dot = text.indexOf('.');
  const createdAt = Number(text.slice(0, dot));
  const id = text.slice(dot + 1);
  if (dot < 1 || !Number.isSafeInteger(createdAt) || !id.startsWith('ord_')) {
    throw new OrderError('bad_cursor', 'The cursor is not one this server gave');
  }
  return { createdAt, id };
}
