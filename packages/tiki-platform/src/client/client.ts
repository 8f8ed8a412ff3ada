import type * as z from 'zod';
import {
  type CreateOrderRequest,
  CreateOrderRequestSchema,
  LIST_ORDERS_MAX,
  OrderDataSchema,
  OrdersDataSchema,
  TIKI_PAYMENT_PATHS,
  type TikiOrder,
} from '../facts/payments.ts';
import {
  type CustomerProfileSchema,
  RefreshGrantSchema,
  TIKI_GRAPHQL_FIELDS,
  TIKI_PATHS,
  TokenGrantSchema,
  TokenInfoSchema,
} from '../facts/schemas.ts';
import { canonicalPathAndQuery } from '../signing/sign.ts';
import { observed } from './attempts.ts';
import { resolveOptions, type TikiClientOptions } from './client-options.ts';
import { grantFromTokens, type TikiGrant, type TikiTokenInfo, tokenInfoFrom } from './grant.ts';
import { callGraphql } from './graphql-call.ts';
import { misuse, requireNonEmptyString } from './guards.ts';
import type { CallContext } from './read-envelope.ts';
import { readProfile } from './read-profile.ts';
import { getSigned, postSigned } from './rest-call.ts';
import { withRetries } from './retry.ts';
import { describeIssues } from './zod-issues.ts';

export type { OnAttempt, TikiAttempt } from './attempts.ts';
export type { TikiBaseUrls, TikiClientOptions } from './client-options.ts';
export type { TikiGrant, TikiTokenInfo } from './grant.ts';
export type TikiCustomerProfile = z.infer<typeof CustomerProfileSchema>;

/** Per call: what ties it to the caller's own request. */
export interface CallOptions {
  /**
   * Sent as `X-Request-Id` (as Tiki's Go sample does), so that one id follows a request through our logs and
   * Tiki's (the emulator's request log shows it). 1-128 letters, digits, `.`, `_`, `:` or `-`.
   */
  requestId?: string;
}

export interface TikiClient {
  /** Never retried: Tiki may revoke the tokens issued from a code that is used twice. */
  exchangeAuthCode(code: string, o?: CallOptions): Promise<TikiGrant>;
  /** Never retried: a refresh token is rotated by its first use. */
  refreshToken(refreshToken: string, o?: CallOptions): Promise<TikiGrant>;
  /** REST /oauth/me; idempotent, so retried on 5xx and network failures. */
  getTokenInfo(accessToken: string, o?: CallOptions): Promise<TikiTokenInfo>;
  /** Open API GET; retried on 5xx and network failures. */
  getCustomerProfile(accessToken: string, o?: CallOptions): Promise<TikiCustomerProfile>;
  /**
   * POST /order. Never retried: creating an order is not idempotent at Tiki, so a timeout leaves it unknown
   * whether an order exists (find it later by `reference_id`).
   */
  createOrder(order: CreateOrderRequest, o?: CallOptions): Promise<TikiOrder>;
  /** Signed GET /order?order_id=; a read, so retried on 5xx and network failures. */
  getOrder(orderId: string, o?: CallOptions): Promise<TikiOrder>;
  /** Signed GET /order/list?order_ids=, 1 to 100 ids; retried as a read. */
  listOrders(orderIds: readonly string[], o?: CallOptions): Promise<TikiOrder[]>;
  /** POST /order/complete: Tiki pays out completed orders only. Not retried here; the caller decides. */
  completeOrder(action: OrderAction, o?: CallOptions): Promise<TikiOrder>;
  /** POST /order/cancel (`comment` is the reason); Tiki refunds an online payment. Not retried here. */
  cancelOrder(action: OrderAction, o?: CallOptions): Promise<TikiOrder>;
}

export interface OrderAction {
  orderId: string;
  comment: string;
  /** The mini app page Tiki's notification opens (`push_opts.page_path`). */
  pagePath?: string;
}

const ORDER_ID = /^[0-9]{1,30}$/;

function requireOrderId(name: string, value: unknown): string {
  if (typeof value !== 'string' || !ORDER_ID.test(value)) {
    throw misuse(
      `${name} must be Tiki's order id as a string of digits (ids exceed 2^53), got ${typeof value}`,
    );
  }
  return value;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The headers a call carries for its options; a malformed request id is a bug in the caller. */
function requestIdHeader(o: CallOptions | undefined): { 'x-request-id': string } | undefined {
  if (o?.requestId === undefined) return undefined;
  if (typeof o.requestId !== 'string' || !REQUEST_ID.test(o.requestId)) {
    throw misuse('requestId must be 1-128 letters, digits, ".", "_", ":" or "-"');
  }
  return { 'x-request-id': o.requestId };
}

/**
 * A typed client of Tiki's Platform API. Errors are TikiApiError (Tiki said no), TikiTimeoutError,
 * TikiNetworkError and TikiResponseError (an answer we cannot read). It logs nothing; the caller decides.
 */
export function createTikiClient(options: TikiClientOptions): TikiClient {
  const o = resolveOptions(options);
  const now = () => Math.floor(o.clock.now());
  /** What a call says of itself in errors, what must never appear there, and what every attempt sends along. */
  const callOf = (what: string, credential: string | null, options: CallOptions | undefined): CallContext => {
    const headers = requestIdHeader(options);
    const secrets = credential === null ? [o.clientSecret] : [credential, o.clientSecret];
    return { what, secrets, ...(headers ? { headers } : {}) };
  };
  const reads = <T>(attempt: () => Promise<T>) =>
    withRetries(attempt, { retries: o.readRetries, baseDelayMs: o.retryBaseDelayMs });

  const viaGraphql = async (
    operation: 'exchange' | 'refresh',
    name: 'code' | 'refresh_token',
    value: string,
    options: CallOptions | undefined,
  ) => {
    const what = `Tiki ${operation === 'exchange' ? 'exchangeAuthCode' : 'refreshToken'} (GraphQL)`;
    const field = TIKI_GRAPHQL_FIELDS[operation];
    const token = await observed(o.onAttempt, `graphql ${field}`, () =>
      callGraphql({
        operation,
        credential: { name, value },
        clientId: o.clientId,
        clientSecret: o.clientSecret,
        timestampMs: now(),
        graphqlUrl: o.graphqlUrl,
        http: o.http,
        timeoutMs: o.timeoutMs,
        call: callOf(what, value, options),
      }),
    );
    return grantFromTokens(token);
  };

  return {
    async exchangeAuthCode(code, options) {
      requireNonEmptyString('code', code);
      if (o.transport === 'graphql') return viaGraphql('exchange', 'code', code, options);
      const call = callOf('Tiki exchangeAuthCode', code, options);
      const data = await postSigned(o, {
        path: TIKI_PATHS.token,
        body: { code },
        dataSchema: TokenGrantSchema,
        call,
      });
      return grantFromTokens(data);
    },

    async refreshToken(refreshToken, options) {
      requireNonEmptyString('refreshToken', refreshToken);
      if (o.transport === 'graphql') return viaGraphql('refresh', 'refresh_token', refreshToken, options);
      const call = callOf('Tiki refreshToken', refreshToken, options);
      const body = { refresh_token: refreshToken };
      const data = await postSigned(o, {
        path: TIKI_PATHS.refresh,
        body,
        dataSchema: RefreshGrantSchema,
        call,
      });
      return grantFromTokens(data);
    },

    async getTokenInfo(accessToken, options) {
      requireNonEmptyString('accessToken', accessToken);
      const call = callOf('Tiki getTokenInfo', accessToken, options);
      const body = { access_token: accessToken };
      const data = await reads(() =>
        postSigned(o, { path: TIKI_PATHS.me, body, dataSchema: TokenInfoSchema, call }),
      );
      return tokenInfoFrom(data);
    },

    async getCustomerProfile(accessToken, options) {
      requireNonEmptyString('accessToken', accessToken);
      const call = callOf('Tiki getCustomerProfile', accessToken, options);
      return reads(() =>
        observed(o.onAttempt, `GET ${TIKI_PATHS.profile}`, async () => {
          const raw = await o.http({
            url: `${o.openApiBaseUrl}${TIKI_PATHS.profile}`,
            method: 'GET',
            headers: { ...call.headers, authorization: `Bearer ${accessToken}`, accept: 'application/json' },
            timeoutMs: o.timeoutMs,
            what: call.what,
          });
          return readProfile(raw, call);
        }),
      );
    },

    async createOrder(order, options) {
      const parsed = CreateOrderRequestSchema.safeParse(order);
      if (!parsed.success) throw misuse(`createOrder: ${describeIssues(parsed.error)}`);
      const call = callOf('Tiki createOrder', null, options);
      const data = await postSigned(o, {
        path: TIKI_PAYMENT_PATHS.createOrder,
        body: parsed.data,
        dataSchema: OrderDataSchema,
        call,
      });
      return data.order;
    },

    async getOrder(orderId, options) {
      const id = requireOrderId('orderId', orderId);
      const call = callOf('Tiki getOrder', null, options);
      const pathAndQuery = canonicalPathAndQuery(TIKI_PAYMENT_PATHS.getOrder, { order_id: id });
      const data = await reads(() => getSigned(o, { pathAndQuery, dataSchema: OrderDataSchema, call }));
      return data.order;
    },

    async listOrders(orderIds, options) {
      if (!Array.isArray(orderIds) || orderIds.length === 0 || orderIds.length > LIST_ORDERS_MAX) {
        throw misuse(`orderIds must hold 1 to ${LIST_ORDERS_MAX} ids`);
      }
      const ids = orderIds.map((id, index) => requireOrderId(`orderIds[${index}]`, id));
      const call = callOf('Tiki listOrders', null, options);
      const pathAndQuery = canonicalPathAndQuery(TIKI_PAYMENT_PATHS.listOrders, { order_ids: ids.join(',') });
      const data = await reads(() => getSigned(o, { pathAndQuery, dataSchema: OrdersDataSchema, call }));
      return data.orders;
    },

    completeOrder: (action, options) => orderAction('complete', action, options),
    cancelOrder: (action, options) => orderAction('cancel', action, options),
  };

  async function orderAction(kind: 'complete' | 'cancel', action: OrderAction, options?: CallOptions) {
    const id = requireOrderId('orderId', action?.orderId);
    requireNonEmptyString('comment', action.comment);
    const body = {
      order_id: id,
      comment: action.comment,
      ...(action.pagePath === undefined ? {} : { push_opts: { page_path: action.pagePath } }),
    };
    const call = callOf(`Tiki ${kind}Order`, null, options);
    const path = kind === 'complete' ? TIKI_PAYMENT_PATHS.completeOrder : TIKI_PAYMENT_PATHS.cancelOrder;
    const data = await postSigned(o, { path, body, dataSchema: OrderDataSchema, call });
    return data.order;
  }
}
