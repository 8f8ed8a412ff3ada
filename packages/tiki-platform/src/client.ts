import type * as z from 'zod';
import { resolveOptions, type TikiClientOptions } from './client-options.ts';
import { fetchWithDeadline } from './deadline-fetch.ts';
import { grantFromTokens, type TikiGrant, type TikiTokenInfo, tokenInfoFrom } from './grant.ts';
import { callGraphql } from './graphql-call.ts';
import { misuse, requireNonEmptyString } from './guards.ts';
import type { CallContext } from './read-envelope.ts';
import { readProfile } from './read-profile.ts';
import { postSigned } from './rest-call.ts';
import { withRetries } from './retry.ts';
import {
  type CustomerProfileSchema,
  RefreshGrantSchema,
  TIKI_PATHS,
  TokenGrantSchema,
  TokenInfoSchema,
} from './schemas.ts';

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
  const callOf = (what: string, credential: string, options: CallOptions | undefined): CallContext => {
    const headers = requestIdHeader(options);
    return { what, secrets: [credential, o.clientSecret], ...(headers ? { headers } : {}) };
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
    const token = await callGraphql({
      operation,
      credential: { name, value },
      clientId: o.clientId,
      clientSecret: o.clientSecret,
      timestampMs: now(),
      graphqlUrl: o.graphqlUrl,
      fetch: o.fetch,
      timeoutMs: o.timeoutMs,
      call: callOf(what, value, options),
    });
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
      return reads(async () => {
        const raw = await fetchWithDeadline({
          fetch: o.fetch,
          url: `${o.openApiBaseUrl}${TIKI_PATHS.profile}`,
          init: {
            method: 'GET',
            headers: { ...call.headers, authorization: `Bearer ${accessToken}`, accept: 'application/json' },
          },
          timeoutMs: o.timeoutMs,
          what: call.what,
        });
        return readProfile(raw, call);
      });
    },
  };
}
