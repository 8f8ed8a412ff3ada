import type { Clock } from '@tini-starter/tiki-platform/clock';
import {
  CreateOrderRequestSchema,
  type KnownTikiOrder,
  LIST_ORDERS_MAX,
  OrderActionRequestSchema,
  OrderItemMetadataSchema,
  TIKI_PAYMENT_PATHS,
} from '@tini-starter/tiki-platform/payments';
import type { Request, Router } from 'express';
import * as z from 'zod';
import { type FaultedRouteDeps, faultedRoute, type Outcome } from '../controls/faulted-route.ts';
import type { FaultRoute } from '../controls/faults.ts';
import { parseJsonBody, readRawBody } from '../http/json-body.ts';
import { contextOf, type RequestContext } from '../http/request-context.ts';
import { exactRouter } from '../http/router.ts';
import type { OrderBook } from '../state/orders.ts';
import type { EmulatorState } from '../state/state.ts';
import { REST_BASE_PATH } from './platform-routes.ts';
import { envelopeOf, TikiRejection } from './rejection.ts';
import { type SignatureCheck, verifiedGet, verifiedPost } from './signed-request.ts';

export interface PaymentRouteDeps extends FaultedRouteDeps {
  state: EmulatorState;
  orders: OrderBook;
  signatureClock: Clock;
  signatureWindowMs: number;
}

/** `POST /order/multi-sku` items: a SKU and no price (Tiki prices crawled SKUs). */
const MultiSkuOrderRequestSchema = CreateOrderRequestSchema.omit({ items: true, shipping_fee: true }).extend({
  items: z
    .array(
      z.object({
        name: z.string().min(1),
        sku: z.string().min(1),
        quantity: z.number().int().positive(),
        image_url: z.string().optional(),
        extra: z.string().optional(),
        metadata: OrderItemMetadataSchema.optional(),
      }),
    )
    .min(1),
});

const ORDER_ID = /^[0-9]{1,30}$/;

function rejected(rejection: TikiRejection): Outcome {
  return { status: rejection.status, body: envelopeOf(rejection) };
}

const order = (value: KnownTikiOrder): Outcome => ({
  status: 200,
  body: { data: { order: value }, error: null },
});

function queryValue(req: Request, name: string): string {
  const value = req.query[name];
  if (typeof value !== 'string' || value === '') {
    throw new TikiRejection('invalid_request', `query parameter ${name} is required, once`);
  }
  return value;
}

/** Tiki's payment Platform routes, signed like every Platform call (docs/backend-api/payment/). */
export function paymentRoutes(deps: PaymentRouteDeps): Router {
  const { state, orders } = deps;
  const router = exactRouter();
  const check: SignatureCheck = {
    getApp: state.getApp,
    now: () => deps.signatureClock.now(),
    windowMs: deps.signatureWindowMs,
  };

  function route(
    method: 'get' | 'post',
    path: string,
    name: Exclude<FaultRoute, '*'>,
    handle: (req: Request, context: RequestContext) => Outcome,
  ): void {
    router[method](
      path,
      (_req, res, next) => {
        contextOf(res).route = name;
        next();
      },
      readRawBody,
      faultedRoute(deps, name, handle, rejected),
    );
  }

  route('post', TIKI_PAYMENT_PATHS.createOrder, 'create_order', (req, context) => {
    const { app, raw } = verifiedPost(req, context, check);
    return order(orders.create(app.clientId, parseJsonBody(raw, CreateOrderRequestSchema)));
  });

  route('post', TIKI_PAYMENT_PATHS.createOrderMultiSku, 'create_order', (req, context) => {
    const { app, raw } = verifiedPost(req, context, check);
    const request = parseJsonBody(raw, MultiSkuOrderRequestSchema);
    return order(orders.createMultiSku(app.clientId, request, app.sellerId));
  });

  route('get', TIKI_PAYMENT_PATHS.getOrder, 'get_order', (req, context) => {
    const { app } = verifiedGet(req, context, check, REST_BASE_PATH);
    const id = queryValue(req, 'order_id');
    if (!ORDER_ID.test(id)) throw new TikiRejection('invalid_request', 'order_id must be a string of digits');
    return order(orders.get(app.clientId, id));
  });

  route('get', TIKI_PAYMENT_PATHS.listOrders, 'list_orders', (req, context) => {
    const { app } = verifiedGet(req, context, check, REST_BASE_PATH);
    const ids = queryValue(req, 'order_ids').split(',');
    if (ids.length > LIST_ORDERS_MAX || ids.some((id) => !ORDER_ID.test(id))) {
      throw new TikiRejection(
        'invalid_request',
        `order_ids must be 1 to ${LIST_ORDERS_MAX} comma-separated order ids`,
      );
    }
    return { status: 200, body: { data: { orders: orders.list(app.clientId, ids) }, error: null } };
  });

  route('post', TIKI_PAYMENT_PATHS.completeOrder, 'complete_order', (req, context) => {
    const { app, raw } = verifiedPost(req, context, check);
    const action = parseJsonBody(raw, OrderActionRequestSchema);
    return order(orders.complete(app.clientId, action.order_id, action.comment));
  });

  route('post', TIKI_PAYMENT_PATHS.cancelOrder, 'cancel_order', (req, context) => {
    const { app, raw } = verifiedPost(req, context, check);
    const action = parseJsonBody(raw, OrderActionRequestSchema);
    return order(orders.cancel(app.clientId, action.order_id, action.comment));
  });

  return router;
}
