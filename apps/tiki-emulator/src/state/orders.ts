import type { Clock } from '@tini-starter/tiki-platform/clock';
import { isPaidOnline, type OrderStatus } from '@tini-starter/tiki-platform/order-status';
import {
  ABANDONED_PAYMENT_CANCEL_MS,
  type CreateOrderItem,
  type CreateOrderRequest,
  type KnownTikiOrder,
  LIST_ORDERS_MAX,
  TIKI_PAYMENT_REASONS,
} from '@tini-starter/tiki-platform/payments';
import { TikiRejection } from '../tiki/rejection.ts';

/**
 * The emulator's Tiki payment platform: orders, their statuses, and the user's side of the payment screen.
 * Synchronous like the rest of the state, so that two concurrent calls on one order cannot both pass a check.
 * Each choice the docs leave open is marked "Assumption" here and listed in the README.
 */

/** A SKU of a Tiki seller, for `POST /order/multi-sku` (Tiki prices crawled SKUs itself). */
export interface SellerSku {
  sku: string;
  name: string;
  price: number;
}

/** The seller an app is linked to (Tini Console), with its SKUs. */
export interface Seller {
  id: number;
  skus: SellerSku[];
}

/**
 * What the user does on Tiki's payment screen (or what Console's sandbox switch decides). `cod` confirms cash on
 * delivery, which the screen offers only when the app asked for it (`my.makePayment({ paymentMethod: 'cod' })`).
 */
export type PaymentOutcome = 'success' | 'cancel' | 'abandon' | 'cod';

/** `my.makePayment`'s `paymentMethod`: 'cod' for cash on delivery; anything else (or none) pays online. */
export const CASH_ON_DELIVERY = 'cod';

export interface EmulatorOrder extends KnownTikiOrder {
  clientId: string;
  customerId: string;
  items: (CreateOrderItem & { sku?: string })[];
  shippingFee: number;
  createdAt: number;
  updatedAt: number;
  /** Each status with the instant it was entered, oldest first. */
  history: { status: OrderStatus; at: number; why: string }[];
  /** When an abandoned payment is canceled (4 h after the screen was left). */
  cancelAt: number | null;
  /** Whether `my.makePayment` has used this id (each id is usable once). */
  paymentUsed: boolean;
  refunded: boolean;
}

export interface OrderBook {
  create(clientId: string, request: CreateOrderRequest): KnownTikiOrder;
  createMultiSku(
    clientId: string,
    request: MultiSkuOrderRequest,
    sellerId: number | undefined,
  ): KnownTikiOrder;
  get(clientId: string, orderId: string): KnownTikiOrder;
  list(clientId: string, orderIds: readonly string[]): KnownTikiOrder[];
  complete(clientId: string, orderId: string, comment: string): KnownTikiOrder;
  cancel(clientId: string, orderId: string, comment: string): KnownTikiOrder;
  /** The user on the payment screen my.makePayment opened with `paymentMethod`; the order as it is afterwards. */
  pay(orderId: string, outcome: PaymentOutcome, paymentMethod?: string): EmulatorOrder;
  /** The seller hands a processing order to the carrier: on_delivery (Tiki documents no call for it). */
  ship(orderId: string): EmulatorOrder;
  /**
   * Tiki cancels an order on its side (support refunding a paid order, as the 2022 diagram's online_paid ->
   * canceled): an IPN follows. Completed and canceled orders are final.
   */
  cancelAtTiki(orderId: string): EmulatorOrder;
  /** Cancels abandoned payments whose 4 h are up; returns how many. */
  expireDue(): number;
  find(orderId: string): EmulatorOrder | undefined;
  all(): EmulatorOrder[];
}

export interface MultiSkuOrderRequest {
  customer_id: string;
  items: {
    name: string;
    sku: string;
    quantity: number;
    image_url?: string;
    extra?: string;
    metadata?: CreateOrderItem['metadata'];
  }[];
  customer_info?: CreateOrderRequest['customer_info'];
  extra?: string;
  reference_id?: string;
}

export interface OrderBookDeps {
  clock: Clock;
  /** Whether a Tiki customer id (a string of digits) is known. */
  customerExists(customerId: string): boolean;
  /** The order value cap of an app (Tini Console can raise it). */
  amountLimit(clientId: string): number;
  sellers: readonly Seller[];
  /** Called when the user's side changed an order to a status Tiki notifies (online_paid, canceled). */
  notify(order: KnownTikiOrder, clientId: string): void;
}

/** The wire view of an order: what `data.order` carries, nothing of the emulator's bookkeeping. */
export function wireOrder(order: EmulatorOrder): KnownTikiOrder {
  return {
    id: order.id,
    status: order.status,
    grand_total: order.grand_total,
    tiki_order_id: order.tiki_order_id,
    tiki_order_code: order.tiki_order_code,
    extra: order.extra,
    reference_id: order.reference_id,
  };
}

/** 18-digit ids above 2^53, as Tiki's (141857488587784201): a client that reads them as numbers loses digits. */
function idSequence(start: bigint): () => string {
  let next = start;
  return () => {
    next += BigInt(1 + Math.floor(Math.random() * 997));
    return next.toString();
  };
}

export function createOrderBook(deps: OrderBookDeps): OrderBook {
  const orders = new Map<string, EmulatorOrder>();
  const nextOrderId = idSequence(141_857_488_587_784_200n);
  let nextTikiOrderId = 1_001_059_779;

  function owned(clientId: string, orderId: string): EmulatorOrder {
    const order = orders.get(orderId);
    // Assumption: another app's order is as unknown as a missing one (Tiki documents neither answer).
    if (order === undefined || order.clientId !== clientId) {
      throw new TikiRejection('ORDER_NOT_FOUND', `no order ${orderId} for this app`, 404);
    }
    return order;
  }

  function requireCustomer(customerId: string): void {
    // Assumption: Tiki documents no error for an unknown customer; the emulator refuses it by name.
    if (!deps.customerExists(customerId)) {
      throw new TikiRejection('CUSTOMER_NOT_FOUND', `no Tiki customer ${customerId}`, 400);
    }
  }

  function transition(order: EmulatorOrder, status: OrderStatus, why: string): void {
    const now = deps.clock.now();
    order.status = status;
    order.updatedAt = now;
    order.history.push({ status, at: now, why });
  }

  function store(
    clientId: string,
    request: Omit<CreateOrderRequest, 'items'>,
    items: EmulatorOrder['items'],
  ): KnownTikiOrder {
    requireCustomer(request.customer_id);
    const shippingFee = request.shipping_fee ?? 0;
    // Assumption: grand_total = sum of price x quantity, plus shipping_fee, and the cap counts shipping.
    const grandTotal = items.reduce((sum, item) => sum + item.price * item.quantity, 0) + shippingFee;
    const limit = deps.amountLimit(clientId);
    if (grandTotal > limit) {
      throw new TikiRejection(
        TIKI_PAYMENT_REASONS.amountLimitExceeded,
        `the order's value ${grandTotal} VND exceeds the app's limit of ${limit} VND`,
        400,
      );
    }
    const now = deps.clock.now();
    const order: EmulatorOrder = {
      id: nextOrderId(),
      status: 'draft',
      grand_total: grandTotal,
      tiki_order_id: '',
      tiki_order_code: '',
      extra: request.extra ?? '',
      reference_id: request.reference_id ?? '',
      clientId,
      customerId: request.customer_id,
      items,
      shippingFee,
      createdAt: now,
      updatedAt: now,
      history: [{ status: 'draft', at: now, why: 'created' }],
      cancelAt: null,
      paymentUsed: false,
      refunded: false,
    };
    orders.set(order.id, order);
    return wireOrder(order);
  }

  function cancelNow(order: EmulatorOrder, why: string): void {
    // Documented: Tiki refunds an online payment. Cash on delivery collected nothing to refund.
    if (isPaidOnline(order)) order.refunded = true;
    order.cancelAt = null;
    transition(order, 'canceled', why);
  }

  return {
    create: (clientId, request) =>
      store(
        clientId,
        request,
        request.items.map((item) => ({ ...item })),
      ),

    createMultiSku(clientId, request, sellerId) {
      const seller = deps.sellers.find((s) => s.id === sellerId);
      if (seller === undefined) {
        throw new TikiRejection(
          TIKI_PAYMENT_REASONS.sellerNotFound,
          'the app has no linked seller (Tini Console)',
          400,
        );
      }
      const seen = new Set<string>();
      const items = request.items.map((item) => {
        if (seen.has(item.sku)) {
          throw new TikiRejection(
            TIKI_PAYMENT_REASONS.duplicateItems,
            `SKU ${item.sku} is listed twice`,
            400,
          );
        }
        seen.add(item.sku);
        const own = seller.skus.find((s) => s.sku === item.sku);
        if (own !== undefined) return { ...item, price: own.price };
        if (deps.sellers.some((other) => other.skus.some((s) => s.sku === item.sku))) {
          throw new TikiRejection(
            TIKI_PAYMENT_REASONS.invalidItem,
            `SKU ${item.sku} is not the linked seller's`,
            400,
          );
        }
        throw new TikiRejection(TIKI_PAYMENT_REASONS.productNotFound, `no product with SKU ${item.sku}`, 400);
      });
      return store(clientId, request, items);
    },

    get: (clientId, orderId) => wireOrder(owned(clientId, orderId)),

    list(clientId, orderIds) {
      if (orderIds.length === 0 || orderIds.length > LIST_ORDERS_MAX) {
        throw new TikiRejection('invalid_request', `order_ids must name 1 to ${LIST_ORDERS_MAX} orders`);
      }
      // Assumption: unknown ids (and other apps' orders) are left out of the list, not refused.
      return orderIds.flatMap((id) => {
        const order = orders.get(id);
        return order !== undefined && order.clientId === clientId ? [wireOrder(order)] : [];
      });
    },

    complete(clientId, orderId, comment) {
      const order = owned(clientId, orderId);
      // Assumption: completing a completed order answers it unchanged, so a retried complete is safe.
      if (order.status === 'completed') return wireOrder(order);
      // Assumption: only an order paid online, or a cash-on-delivery order out for delivery, can be completed.
      if (!isPaidOnline(order) && order.status !== 'on_delivery') {
        throw new TikiRejection(
          'INVALID_ORDER_STATUS',
          `order ${orderId} is ${order.status}${order.status === 'processing' ? ' (cash on delivery, not shipped yet)' : ''}; only an order paid online or delivered can be completed`,
          400,
        );
      }
      transition(order, 'completed', `completed by the app: ${comment}`);
      return wireOrder(order);
    },

    cancel(clientId, orderId, comment) {
      const order = owned(clientId, orderId);
      if (order.status === 'canceled') return wireOrder(order);
      if (order.status === 'completed') {
        throw new TikiRejection(
          'INVALID_ORDER_STATUS',
          `order ${orderId} is completed; it cannot be canceled`,
          400,
        );
      }
      // Documented: an order is cancelable until completed, and Tiki refunds an online payment.
      // Assumption: no IPN for a cancel the app made itself (it has the answer).
      cancelNow(order, `canceled by the app: ${comment}`);
      return wireOrder(order);
    },

    pay(orderId, outcome, paymentMethod) {
      const order = orders.get(orderId);
      if (order === undefined) throw new TikiRejection('ORDER_NOT_FOUND', `no order ${orderId}`, 404);
      // Documented: COD is the app's choice (paymentMethod), not an option of the payment screen.
      const cod = paymentMethod === CASH_ON_DELIVERY;
      if (outcome === 'cod' && !cod) {
        throw new TikiRejection(
          'cod_not_requested',
          "cash on delivery is offered only when the app asks for it: my.makePayment({ paymentMethod: 'cod' })",
          409,
        );
      }
      if (cod && outcome !== 'cod' && outcome !== 'cancel') {
        throw new TikiRejection(
          'cod_requested',
          `the app asked for cash on delivery: the screen confirms it (cod) or is closed (cancel), not ${outcome}`,
          409,
        );
      }
      // Documented: each order id is usable once by my.makePayment.
      if (order.paymentUsed) {
        throw new TikiRejection(
          'payment_already_used',
          `my.makePayment already used order ${orderId} (it is ${order.status}); each order id pays once`,
          409,
        );
      }
      if (order.status !== 'draft') {
        throw new TikiRejection(
          'INVALID_ORDER_STATUS',
          `order ${orderId} is ${order.status}; it cannot be paid`,
          409,
        );
      }
      order.paymentUsed = true;
      // A COD order waits for Tiki's confirmation instead of a payment (the diagram's path: no waiting_for_payment).
      if (!cod) transition(order, 'waiting_for_payment', 'the payment screen opened');
      switch (outcome) {
        case 'success':
          order.cancelAt = null;
          order.tiki_order_id = String(nextTikiOrderId++);
          order.tiki_order_code = `TN${order.tiki_order_id}`;
          transition(order, 'online_paid', 'the user paid');
          deps.notify(wireOrder(order), order.clientId);
          break;
        case 'cancel':
          cancelNow(order, 'the user canceled on the payment screen');
          deps.notify(wireOrder(order), order.clientId);
          break;
        case 'abandon':
          // Documented: an abandoned payment is canceled 4 h later, and the IPN follows then.
          order.cancelAt = deps.clock.now() + ABANDONED_PAYMENT_CANCEL_MS;
          break;
        case 'cod':
          // Documented: COD skips online payment and sends no IPN; the diagram's "waiting for confirmation"
          // (no status name) leads to processing. Assumption: Tiki confirms at once, gives its own order id,
          // and no tiki_order_code (the code of an online payment).
          order.cancelAt = null;
          order.history.push({
            status: order.status,
            at: deps.clock.now(),
            why: 'cash on delivery: waiting for confirmation (a step with no status name)',
          });
          order.tiki_order_id = String(nextTikiOrderId++);
          transition(order, 'processing', 'cash on delivery confirmed');
          break;
      }
      return order;
    },

    ship(orderId) {
      const order = orders.get(orderId);
      if (order === undefined) throw new TikiRejection('ORDER_NOT_FOUND', `no order ${orderId}`, 404);
      // Assumption: Tiki documents who moves processing -> on_delivery (the seller, Tiki's warehouse) nowhere.
      if (order.status !== 'processing') {
        throw new TikiRejection(
          'INVALID_ORDER_STATUS',
          `order ${orderId} is ${order.status}; only a processing order ships`,
          409,
        );
      }
      transition(order, 'on_delivery', 'handed to the carrier');
      return order;
    },

    cancelAtTiki(orderId) {
      const order = orders.get(orderId);
      if (order === undefined) throw new TikiRejection('ORDER_NOT_FOUND', `no order ${orderId}`, 404);
      if (order.status === 'completed' || order.status === 'canceled') {
        throw new TikiRejection(
          'INVALID_ORDER_STATUS',
          `order ${orderId} is ${order.status}, which is final`,
          409,
        );
      }
      cancelNow(order, 'canceled by Tiki (support, refund)');
      deps.notify(wireOrder(order), order.clientId);
      return order;
    },

    expireDue() {
      const now = deps.clock.now();
      let expired = 0;
      for (const order of orders.values()) {
        if (order.cancelAt !== null && order.cancelAt <= now && order.status === 'waiting_for_payment') {
          cancelNow(order, 'the payment was abandoned 4 h ago');
          deps.notify(wireOrder(order), order.clientId);
          expired += 1;
        }
      }
      return expired;
    },

    find: (orderId) => orders.get(orderId),
    all: () => [...orders.values()],
  };
}
