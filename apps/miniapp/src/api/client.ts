import {
  type LoginResponse,
  LoginResponseSchema,
  type MeResponse,
  MeResponseSchema,
  type ProfileResponse,
  ProfileResponseSchema,
  ROUTES,
} from '@tini-starter/api-contract/auth';
import { ErrorBodySchema } from '@tini-starter/api-contract/errors';
import {
  type CreateOrderRequest,
  IDEMPOTENCY_KEY_HEADER,
  type OrderResponse,
  OrderResponseSchema,
  type OrdersResponse,
  OrdersResponseSchema,
  orderPath,
  PAYMENT_ROUTES,
  type ProductsResponse,
  ProductsResponseSchema,
} from '@tini-starter/api-contract/payments';
import * as z from 'zod/mini';
import { type HttpMethod, type HttpResponse, request } from '../platform/request.ts';
import { HttpStatusError, ResponseFormatError } from '../platform/request-errors.ts';
import { ApiError } from './errors.ts';

export interface ApiClientOptions {
  /** Origin (and optional path prefix) of our server, without a trailing slash. */
  baseUrl: string;
  timeoutMs?: number;
  /** The transport; `my.request` unless a caller wants another one. */
  send?: typeof request;
}

/** Our server's API, on the shared contract: every answer is validated before anyone trusts it. */
export interface ApiClient {
  login(authCode: string): Promise<LoginResponse>;
  logout(sessionToken: string): Promise<void>;
  me(sessionToken: string): Promise<MeResponse>;
  profile(sessionToken: string): Promise<ProfileResponse>;
  products(sessionToken: string): Promise<ProductsResponse>;
  /** `idempotencyKey`: the same key for every attempt of one checkout, so a retry never makes a second order. */
  createOrder(sessionToken: string, cart: CreateOrderRequest, idempotencyKey: string): Promise<OrderResponse>;
  orders(sessionToken: string, cursor?: string): Promise<OrdersResponse>;
  order(sessionToken: string, orderId: string): Promise<OrderResponse>;
  cancelOrder(sessionToken: string, orderId: string): Promise<OrderResponse>;
}

interface Route {
  method: HttpMethod;
  path: string;
}

export function createApiClient(options: ApiClientOptions): ApiClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const send = options.send ?? request;

  async function exchange(
    route: Route,
    init: { token?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<HttpResponse> {
    const headers: Record<string, string> = { ...init.headers };
    if (init.token !== undefined) headers.authorization = `Bearer ${init.token}`;
    try {
      return await send({
        url: baseUrl + route.path,
        method: route.method,
        headers,
        body: init.body,
        ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      });
    } catch (error) {
      throw error instanceof HttpStatusError ? toApiError(error) : error;
    }
  }

  async function read<S extends z.ZodMiniType>(
    route: Route,
    schema: S,
    init: { token?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<z.output<S>> {
    const response = await exchange(route, init);
    const parsed = z.safeParse(schema, response.body);
    if (!parsed.success) {
      throw new ResponseFormatError(
        `${route.method} ${route.path} answered a body that does not match the contract`,
        response.status,
      );
    }
    return parsed.data;
  }

  return {
    login: (authCode) => read(ROUTES.login, LoginResponseSchema, { body: { authCode } }),
    logout: async (token) => {
      await exchange(ROUTES.logout, { token });
    },
    me: (token) => read(ROUTES.me, MeResponseSchema, { token }),
    profile: (token) => read(ROUTES.profile, ProfileResponseSchema, { token }),
    products: (token) => read(PAYMENT_ROUTES.products, ProductsResponseSchema, { token }),
    createOrder: (token, cart, idempotencyKey) =>
      read(PAYMENT_ROUTES.createOrder, OrderResponseSchema, {
        token,
        body: cart,
        headers: { [IDEMPOTENCY_KEY_HEADER]: idempotencyKey },
      }),
    orders: (token, cursor) =>
      read(
        {
          method: PAYMENT_ROUTES.listOrders.method,
          path:
            cursor === undefined
              ? PAYMENT_ROUTES.listOrders.path
              : `${PAYMENT_ROUTES.listOrders.path}?cursor=${encodeURIComponent(cursor)}`,
        },
        OrdersResponseSchema,
        { token },
      ),
    order: (token, orderId) =>
      read(
        { method: PAYMENT_ROUTES.getOrder.method, path: orderPath(PAYMENT_ROUTES.getOrder, orderId) },
        OrderResponseSchema,
        { token },
      ),
    cancelOrder: (token, orderId) =>
      read(
        { method: PAYMENT_ROUTES.cancelOrder.method, path: orderPath(PAYMENT_ROUTES.cancelOrder, orderId) },
        OrderResponseSchema,
        { token },
      ),
  };
}

function toApiError(error: HttpStatusError): ApiError | ResponseFormatError {
  const parsed = z.safeParse(ErrorBodySchema, error.body);
  if (!parsed.success) {
    return new ResponseFormatError(`HTTP ${error.status} without the agreed error body`, error.status);
  }
  return new ApiError(parsed.data.error.code, error.status, parsed.data.error.message);
}
