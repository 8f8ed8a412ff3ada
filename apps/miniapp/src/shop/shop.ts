/**
 * The shop's steps as a page runs them: the catalogue, a checkout (our order, then Tiki's payment screen), and
 * the wait for the server to confirm the payment with Tiki. It lives in the App instance (`getApp().shop`).
 *
 * The payment screen's success callback proves nothing: the order is paid when the server says so (it re-reads
 * the order from Tiki, and applies Tiki's IPN). So after the screen closes, the shop polls the order.
 */

import type { Order, Product } from '@tini-starter/api-contract/payments';
import {
  FINAL_ORDER_STATUSES,
  type OrderStatus,
  PAID_ORDER_STATUSES,
} from '@tini-starter/tiki-platform/order-status';
import type { ApiClient } from '../api/client.ts';
import type { Auth } from '../auth/auth.ts';
import { makePayment, PaymentError } from '../platform/payment.ts';
import { payOnEmulator } from './emulator-payment.ts';
import { PaymentCanceledError, PaymentPendingError } from './payment-outcome.ts';

export interface CartLine {
  productId: string;
  quantity: number;
}

export interface Shop {
  products(): Promise<Product[]>;
  /**
   * Creates the order for `cart` under `checkoutKey` (the same key for every attempt of one checkout: a retry
   * after a lost answer returns the same order), opens Tiki's payment screen, then waits for the server to see
   * the payment settle. Throws PaymentCanceledError, PaymentPendingError, or what the API or host threw.
   */
  checkout(
    cart: readonly CartLine[],
    checkoutKey: string,
    progress: (step: CheckoutStep) => void,
  ): Promise<Order>;
  /** Waits again for an order whose payment was pending. */
  waitForPayment(orderId: string): Promise<Order>;
  orders(cursor?: string): Promise<{ orders: Order[]; next?: string }>;
}

export type CheckoutStep = 'creating' | 'paying' | 'confirming';

/** A new key per checkout: not a secret, only unique per user and cart (no CSPRNG on the logic thread). */
export function newCheckoutKey(): string {
  return `checkout-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;
}

const settled = (status: OrderStatus) =>
  FINAL_ORDER_STATUSES.includes(status) || PAID_ORDER_STATUSES.includes(status);

export function createShop(deps: {
  auth: Auth;
  api: ApiClient;
  /** How long to poll for the payment's outcome, and how often (the server re-reads Tiki every 2 s at most). */
  wait?: { totalMs: number; everyMs: number };
  sleep?: (ms: number) => Promise<void>;
}): Shop {
  const { auth, api } = deps;
  const wait = deps.wait ?? { totalMs: 60_000, everyMs: 2_000 };
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));

  async function pay(tikiOrderId: string): Promise<void> {
    try {
      await makePayment(tikiOrderId);
    } catch (error) {
      // Without a Tini Console app the host cannot pay: the development build plays the payment screen.
      if (__DEV__ && error instanceof PaymentError) {
        await payOnEmulator(tikiOrderId);
        return;
      }
      throw error instanceof PaymentError ? new PaymentCanceledError(error.message) : error;
    }
  }

  async function waitForPayment(orderId: string): Promise<Order> {
    let order = (await auth.withSession((token) => api.order(token, orderId))).order;
    for (let waited = 0; !settled(order.status) && waited < wait.totalMs; waited += wait.everyMs) {
      await sleep(wait.everyMs);
      order = (await auth.withSession((token) => api.order(token, orderId))).order;
    }
    if (!settled(order.status)) throw new PaymentPendingError(order.id);
    return order;
  }

  return {
    async products() {
      return (await auth.withSession((token) => api.products(token))).products;
    },

    async checkout(cart, checkoutKey, progress) {
      progress('creating');
      const { order } = await auth.withSession((token) =>
        api.createOrder(
          token,
          { items: cart.map(({ productId, quantity }) => ({ productId, quantity })) },
          checkoutKey,
        ),
      );
      if (order.tikiOrderId === null) throw new PaymentPendingError(order.id);
      progress('paying');
      await pay(order.tikiOrderId);
      progress('confirming');
      return waitForPayment(order.id);
    },

    waitForPayment,

    async orders(cursor) {
      return auth.withSession((token) => api.orders(token, cursor));
    },
  };
}
