import * as z from 'zod';
import { type OrderStatus, readOrderStatus } from './order-status.ts';

/**
 * Tiki's payment platform, from its docs (tikivn/tiki-miniapp-docs, docs/backend-api/payment/ and docs/api/open/):
 * paths, wire shapes, statuses, refusal reasons and limits. Calls are signed like every Platform API call: a POST
 * signs its body, a GET its path and query. Where the docs contradict themselves, the tables win over the
 * examples (`push_opts`, not the examples' `pust_opts`; `data` is an object, not an array).
 */

/** Under the REST base URL (`.../tiniapp-open-api`, or `.../tiniapp-sandbox-open-api` for the sandbox). */
export const TIKI_PAYMENT_PATHS = {
  createOrder: '/order',
  createOrderMultiSku: '/order/multi-sku',
  /** GET `?order_id=` */
  getOrder: '/order',
  /** GET `?order_ids=a,b` (comma-joined, encoded `%2C`), at most LIST_ORDERS_MAX ids. */
  listOrders: '/order/list',
  completeOrder: '/order/complete',
  cancelOrder: '/order/cancel',
} as const;

/** The most ids one `GET /order/list` takes. */
export const LIST_ORDERS_MAX = 100;

/** The largest order value Tiki accepts by default, in VND (Tini Console can raise it for an app). */
export const ORDER_AMOUNT_LIMIT_VND = 10_000_000;

/** The documented refusals of order creation (docs/backend-api/payment/error-code.md). No HTTP code per reason. */
export const TIKI_PAYMENT_REASONS = {
  amountLimitExceeded: 'ORDER_AMOUNT_LIMIT_EXCEEDED',
  /** The same SKU twice (multi-SKU orders). */
  duplicateItems: 'DUPLICATE_ITEMS',
  /** Missing, out of stock or delisted. */
  productNotFound: 'PRODUCT_NOT_FOUND',
  /** The app's linked seller is invalid. */
  sellerNotFound: 'SELLER_NOT_FOUND',
  /** A SKU that is not the linked seller's. */
  invalidItem: 'INVALID_ITEM',
} as const;

/**
 * Tiki's ids (order ids such as 141857488587784201, message ids) exceed 2^53: as JSON numbers they would be
 * rounded (…201 and …202 both read as …208). The docs send them as strings; a number is refused rather than
 * silently rounded.
 */
const TikiIdSchema = z.string().regex(/^[0-9]{1,30}$/, 'a Tiki id: decimal digits, as a string');

/** VND amounts: integers (int64 at Tiki; here within the safe integer range). */
const VndSchema = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

/**
 * An order as Tiki answers it: no items, no customer. `tiki_order_id` and `tiki_order_code` are "" until the
 * user pays. `my.makePayment` takes `id`, never `tiki_order_id` (a documented trap).
 */
export const TikiOrderSchema = z.looseObject({
  id: TikiIdSchema,
  /** Read with readOrderStatus: a status this code does not know is an UnknownOrderStatus, never passed as one. */
  status: z.string().min(1).transform(readOrderStatus),
  grand_total: VndSchema,
  tiki_order_id: z.string().default(''),
  tiki_order_code: z.string().default(''),
  extra: z.string().default(''),
  reference_id: z.string().default(''),
});
export type TikiOrder = z.output<typeof TikiOrderSchema>;
/** An order whose status this code knows: what the emulator answers, and what the server applies. */
export type KnownTikiOrder = TikiOrder & { status: OrderStatus };

export const OrderItemMetadataSchema = z.object({
  sections: z.array(
    z.object({
      header: z.string(),
      fields: z.array(
        z.object({
          /** `text`, `images` (URL array) or `action` (`{button_name, link}`) today; a type Tiki adds passes. */
          type: z.string().min(1),
          name: z.string(),
          value: z.unknown(),
        }),
      ),
    }),
  ),
});

export const CreateOrderItemSchema = z.object({
  name: z.string().min(1),
  quantity: z.number().int().positive(),
  /** VND per unit. */
  price: VndSchema,
  image_url: z.string().optional(),
  extra: z.string().optional(),
  metadata: OrderItemMetadataSchema.optional(),
});
export type CreateOrderItem = z.infer<typeof CreateOrderItemSchema>;

export const CustomerInfoSchema = z.object({
  name: z.string().optional(),
  phone: z.string().optional(),
  email: z.string().optional(),
  street: z.string().optional(),
});

/** `POST /order`. `customer_id` is a string although `/oauth/me` gives a number: stringify it. */
export const CreateOrderRequestSchema = z.object({
  customer_id: TikiIdSchema,
  items: z.array(CreateOrderItemSchema).min(1),
  customer_info: CustomerInfoSchema.optional(),
  shipping_fee: VndSchema.optional(),
  /** `k=v;k=v`. */
  extra: z.string().optional(),
  /** Our own order id. */
  reference_id: z.string().optional(),
});
export type CreateOrderRequest = z.infer<typeof CreateOrderRequestSchema>;

/** `POST /order/complete` and `/order/cancel` (for a cancel, `comment` is the reason). */
export const OrderActionRequestSchema = z.object({
  order_id: TikiIdSchema,
  comment: z.string().min(1),
  push_opts: z.object({ page_path: z.string().min(1) }).optional(),
});
export type OrderActionRequest = z.infer<typeof OrderActionRequestSchema>;

export const OrderDataSchema = z.object({ order: TikiOrderSchema });
export const OrdersDataSchema = z.object({ orders: z.array(TikiOrderSchema) });

/**
 * Tiki's payment notification (docs/backend-api/payment/ipn.md), POSTed to the app's IPN Callback URL with the
 * three X-Tiniapp-* headers. Sent for `online_paid` and `canceled`; retried after 1 min, 5 min, 30 min, 60 min,
 * 6 h, 12 h and 24 h on a 5xx, no answer within 15 s, or a network error.
 */
export const IpnMessageSchema = z.looseObject({
  /** A string (the example's are digits above 2^53); nothing more is promised, so any non-empty one is read. */
  message_id: z.string().min(1).max(128),
  message_type: z.string().min(1),
  /** RFC 3339 with an offset, e.g. 2021-12-27T21:19:33+07:00. */
  message_created_at: z.iso.datetime({ offset: true }),
  order: TikiOrderSchema,
});
export type IpnMessage = z.output<typeof IpnMessageSchema>;

/** Tiki's IPN retry offsets after a failed delivery (ipn.md), in ms. */
export const IPN_RETRY_DELAYS_MS: readonly number[] = [
  60_000,
  5 * 60_000,
  30 * 60_000,
  60 * 60_000,
  6 * 3_600_000,
  12 * 3_600_000,
  24 * 3_600_000,
];

/** Tiki waits this long for an IPN answer before it counts the delivery as failed (ipn.md). */
export const IPN_ANSWER_TIMEOUT_MS = 15_000;

/** A payment left unfinished on Tiki's screen is canceled this long after (docs: 4 h; the IPN follows). */
export const ABANDONED_PAYMENT_CANCEL_MS = 4 * 3_600_000;
