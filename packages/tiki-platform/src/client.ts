import type * as z from 'zod';
import { resolveOptions, type TikiClientOptions } from './client-options.ts';
import { fetchWithDeadline } from './deadline-fetch.ts';
import { grantFromTokens, type TikiGrant, type TikiTokenInfo, tokenInfoFrom } from './grant.ts';
import { callGraphql } from './graphql-call.ts';
import { misuse, requireNonEmptyString } from './guards.ts';
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
function callHeaders(o: CallOptions | undefined): Record<string, string> | undefined {
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
  const secretsOf = (value: string) => [value, o.clientSecret];
  const reads = <T>(attempt: () => Promise<T>) =>
    withRetries(attempt, { retries: o.readRetries, baseDelayMs: o.retryBaseDelayMs });

  const viaGraphql = async (
    operation: 'exchange' | 'refresh',
    name: 'code' | 'refresh_token',
    value: string,
    headers: Record<string, string> | undefined,
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
      call: { what, secrets: secretsOf(value), ...(headers ? { headers } : {}) },
    });
    return grantFromTokens(token);
  };

  return {
    async exchangeAuthCode(code, options) {
      requireNonEmptyString('code', code);
      const headers = callHeaders(options);
      if (o.transport === 'graphql') return viaGraphql('exchange', 'code', code, headers);
      const call = {
        what: 'Tiki exchangeAuthCode',
        secrets: secretsOf(code),
        ...(headers ? { headers } : {}),
      };
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
      const headers = callHeaders(options);
      if (o.transport === 'graphql') return viaGraphql('refresh', 'refresh_token', refreshToken, headers);
      const call = {
        what: 'Tiki refreshToken',
        secrets: secretsOf(refreshToken),
        ...(headers ? { headers } : {}),
      };
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
      const headers = callHeaders(options);
      const call = {
        what: 'Tiki getTokenInfo',
        secrets: secretsOf(accessToken),
        ...(headers ? { headers } : {}),
      };
      const body = { access_token: accessToken };
      const data = await reads(() =>
        postSigned(o, { path: TIKI_PATHS.me, body, dataSchema: TokenInfoSchema, call }),
      );
      return tokenInfoFrom(data);
    },

    async getCustomerProfile(accessToken, options) {
      requireNonEmptyString('accessToken', accessToken);
      const extra = callHeaders(options);
      const call = { what: 'Tiki getCustomerProfile', secrets: secretsOf(accessToken) };
      return reads(async () => {
        const raw = await fetchWithDeadline({
          fetch: o.fetch,
          url: `${o.openApiBaseUrl}${TIKI_PATHS.profile}`,
          init: {
            method: 'GET',
            headers: { ...extra, authorization: `Bearer ${accessToken}`, accept: 'application/json' },
          },
          timeoutMs: o.timeoutMs,
          what: call.what,
        });
        return readProfile(raw, call);
      });
    },
  };
}
