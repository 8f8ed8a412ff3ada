// zod/mini keeps the mini app's bundle small (Tiki's package budget); the server uses the same schemas.

// Tiki's statuses, and which are final or paid, are Tiki's facts (tiki-platform's order-status, no zod).
import { ORDER_STATUSES } from '@tini-starter/tiki-platform/order-status';
import * as z from 'zod/mini';

/**
 * Payments between the mini app and our server. Prices are VND integers and come from the server's catalogue
 * only: a cart names products and quantities, never a price. `status` is one of Tiki's statuses
 * (ORDER_STATUSES); the server never answers one it does not know.
 */

const Vnd = z.number().check(z.int(), z.nonnegative());

export const ProductSchema = z.object({
  id: z.string().check(z.minLength(1)),
  name: z.string().check(z.minLength(1)),
  price: Vnd,
  imageUrl: z.optional(z.string()),
});
export type Product = z.infer<typeof ProductSchema>;

export const ProductsResponseSchema = z.object({ products: z.array(ProductSchema) });
export type ProductsResponse = z.infer<typeof ProductsResponseSchema>;

/** At most this many of one product in one order, and this many lines. */
export const MAX_QUANTITY = 99;
export const MAX_CART_LINES = 20;

/** A cart: strict, so a price (or any field the server does not read) is refused, never ignored. */
export const CreateOrderRequestSchema = z.strictObject({
  items: z
    .array(
      z.strictObject({
        productId: z.string().check(z.minLength(1), z.maxLength(64)),
        quantity: z.number().check(z.int(), z.minimum(1), z.maximum(MAX_QUANTITY)),
      }),
    )
    .check(z.minLength(1), z.maxLength(MAX_CART_LINES)),
});
export type CreateOrderRequest = z.infer<typeof CreateOrderRequestSchema>;

/** The optional `Idempotency-Key` header of `POST /api/orders`: the same key from the same user is one order. */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
export const IdempotencyKeySchema = z.string().check(z.regex(/^[A-Za-z0-9_-]{8,128}$/));

export const OrderItemSchema = z.object({
  productId: z.string(),
  name: z.string(),
  quantity: z.number().check(z.int(), z.positive()),
  /** VND per unit, as charged. */
  price: Vnd,
});

/**
 * Why an order was canceled (or is being canceled at Tiki), for the mini app to say so:
 * - `buyer`: the user canceled it in the mini app before paying;
 * - `unpaid`: a draft nobody paid, canceled by the server after ORDER_DRAFT_TTL_MS;
 * - `fulfilment_failed`: paid, but the goods could not be delivered; Tiki refunds the payment;
 * - `cash_on_delivery`: the buyer chose cash on delivery, which this shop does not offer;
 * - `tiki`: Tiki canceled it (the user on the payment screen, an abandoned payment, Tiki's support).
 */
export const CANCEL_REASONS = ['buyer', 'unpaid', 'fulfilment_failed', 'cash_on_delivery', 'tiki'] as const;
export type CancelReason = (typeof CANCEL_REASONS)[number];

export const OrderSchema = z.object({
  /** Our order id. */
  id: z.string().check(z.minLength(1)),
  status: z.enum(ORDER_STATUSES),
  grandTotal: Vnd,
  items: z.array(OrderItemSchema),
  /** Tiki's order id, what `my.makePayment({ orderId })` takes: a string of digits (it exceeds 2^53). */
  tikiOrderId: z.nullable(z.string()),
  /** When the goods were delivered (our fulfilment ran), or null until then. */
  fulfilledAt: z.nullable(z.iso.datetime()),
  /** Set once the order is canceled, or decided to be while Tiki has not confirmed it yet. */
  cancelReason: z.nullable(z.enum(CANCEL_REASONS)),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type Order = z.infer<typeof OrderSchema>;

export const OrderResponseSchema = z.object({ order: OrderSchema });
export type OrderResponse = z.infer<typeof OrderResponseSchema>;

/** Newest first; `next` is the cursor of the following page (pass it as `?cursor=`), absent on the last. */
export const OrdersResponseSchema = z.object({
  orders: z.array(OrderSchema),
  next: z.optional(z.string()),
});
export type OrdersResponse = z.infer<typeof OrdersResponseSchema>;

export const PAYMENT_ROUTES = {
  products: { method: 'GET', path: '/api/products' },
  createOrder: { method: 'POST', path: '/api/orders' },
  listOrders: { method: 'GET', path: '/api/orders' },
  getOrder: { method: 'GET', path: '/api/orders/:id' },
  cancelOrder: { method: 'POST', path: '/api/orders/:id/cancel' },
} as const;

/** A route's path with its `:id` filled in (our order ids are URL-safe). */
export function orderPath(route: { path: string }, id: string): string {
  return route.path.replace(':id', encodeURIComponent(id));
}
