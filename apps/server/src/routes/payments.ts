/**
 * The shop: GET /api/products, POST/GET /api/orders, GET /api/orders/:id, POST /api/orders/:id/cancel, each with
 * the user's session. Tiki's IPN (signed, no session) is routes/ipn.ts.
 */
import {
  CreateOrderRequestSchema,
  IDEMPOTENCY_KEY_HEADER,
  IdempotencyKeySchema,
  type Order,
  type OrderResponse,
  type OrdersResponse,
  PAYMENT_ROUTES,
  type ProductsResponse,
} from '@tini-starter/api-contract/payments';
import express from 'express';
import type { Sessions } from '../auth/sessions.ts';
import { ApiError, invalidBody } from '../http/api-error.ts';
import { authenticate, sessionOf } from '../http/authenticate.ts';
import { type ContractRouter, contractRouter } from '../http/contract-route.ts';
import { limitTikiCallsPerUser, type SharedLimits } from '../http/rate-limit.ts';
import { CATALOGUE } from '../payments/catalogue.ts';
import type { OrderService } from '../payments/order-service.ts';
import type { OrderRecord } from '../store/orders.ts';

export function orderView(order: OrderRecord): Order {
  return {
    id: order.id,
    status: order.status,
    grandTotal: order.grandTotal,
    items: order.items.map(({ productId, name, quantity, price }) => ({ productId, name, quantity, price })),
    tikiOrderId: order.tikiOrderId,
    fulfilledAt: order.fulfilledAt === null ? null : new Date(order.fulfilledAt).toISOString(),
    cancelReason: order.cancelReason,
    createdAt: new Date(order.createdAt).toISOString(),
    updatedAt: new Date(order.updatedAt).toISOString(),
  };
}

export function paymentRoutes(o: {
  sessions: Sessions;
  orders: OrderService;
  /** Requests per user per window to the routes that call Tiki. */
  tikiRouteLimit: { max: number; windowMs: number };
  /** Where the limits are counted (the store, shared by every process). */
  limits: SharedLimits;
  bodyLimitBytes: number;
}): ContractRouter {
  const routes = contractRouter(Object.values(PAYMENT_ROUTES));
  const requireSession = authenticate(o.sessions);
  const perUserTikiLimit = limitTikiCallsPerUser(o.limits, o.tikiRouteLimit);
  // A body of another type is left unread and refused by the schema (400), as an empty one.
  const json = express.json({ limit: o.bodyLimitBytes, type: 'application/json', strict: true });
  const caller = (req: express.Request) => ({ log: req.log, requestId: req.id });

  routes.on(PAYMENT_ROUTES.products, requireSession, (_req, res) => {
    const body: ProductsResponse = { products: [...CATALOGUE] };
    res.json(body);
  });

  routes.on(PAYMENT_ROUTES.createOrder, requireSession, perUserTikiLimit, json, async (req, res) => {
    const parsed = CreateOrderRequestSchema.safeParse(req.body);
    if (!parsed.success) {
      throw invalidBody(
        'The body must be { "items": [{ "productId": string, "quantity": 1-99 }] } and nothing else (no prices)',
        parsed.error.issues,
      );
    }
    const rawKey = req.get(IDEMPOTENCY_KEY_HEADER);
    if (rawKey !== undefined && !IdempotencyKeySchema.safeParse(rawKey).success) {
      throw new ApiError('invalid_request', 'Idempotency-Key must be 8-128 letters, digits, _ or -');
    }
    const { user } = sessionOf(res);
    const order = await o.orders.create(user, parsed.data, rawKey ?? null, caller(req));
    const body: OrderResponse = { order: orderView(order) };
    res.status(201).json(body);
  });

  routes.on(PAYMENT_ROUTES.listOrders, requireSession, async (req, res) => {
    const cursor = typeof req.query.cursor === 'string' ? req.query.cursor : undefined;
    const page = await o.orders.list(sessionOf(res).userId, cursor);
    const body: OrdersResponse = {
      orders: page.orders.map(orderView),
      ...(page.next ? { next: page.next } : {}),
    };
    res.json(body);
  });

  routes.on(PAYMENT_ROUTES.getOrder, requireSession, perUserTikiLimit, async (req, res) => {
    const order = await o.orders.get(sessionOf(res).userId, String(req.params.id), caller(req));
    const body: OrderResponse = { order: orderView(order) };
    res.json(body);
  });

  routes.on(PAYMENT_ROUTES.cancelOrder, requireSession, perUserTikiLimit, async (req, res) => {
    const order = await o.orders.cancel(sessionOf(res).userId, String(req.params.id), caller(req));
    const body: OrderResponse = { order: orderView(order) };
    res.json(body);
  });

  return routes;
}
