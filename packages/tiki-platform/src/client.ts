import type * as z from 'zod';
import { resolveOptions, type TikiClientOptions } from './client-options.ts';
import { fetchWithDeadline } from './deadline-fetch.ts';
import { grantFromTokens, type TikiGrant, type TikiTokenInfo, tokenInfoFrom } from './grant.ts';
import { callGraphql } from './graphql-call.ts';
import { requireNonEmptyString } from './guards.ts';
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

export interface TikiClient {
  /** Never retried: Tiki may revoke the tokens issued from a code that is used twice. */
  exchangeAuthCode(code: string): Promise<TikiGrant>;
  /** Never retried: a refresh token is rotated by its first use. */
  refreshToken(refreshToken: string): Promise<TikiGrant>;
  /** REST /oauth/me; idempotent, so retried on 5xx and network failures. */
  getTokenInfo(accessToken: string): Promise<TikiTokenInfo>;
  /** Open API GET; retried on 5xx and network failures. */
  getCustomerProfile(accessToken: string): Promise<TikiCustomerProfile>;
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
      call: { what, secrets: secretsOf(value) },
    });
    return grantFromTokens(token);
  };

  return {
    async exchangeAuthCode(code) {
      requireNonEmptyString('code', code);
      if (o.transport === 'graphql') return viaGraphql('exchange', 'code', code);
      const call = { what: 'Tiki exchangeAuthCode', secrets: secretsOf(code) };
      const data = await postSigned(o, {
        path: TIKI_PATHS.token,
        body: { code },
        dataSchema: TokenGrantSchema,
        call,
      });
      return grantFromTokens(data);
    },

    async refreshToken(refreshToken) {
      requireNonEmptyString('refreshToken', refreshToken);
      if (o.transport === 'graphql') return viaGraphql('refresh', 'refresh_token', refreshToken);
      const call = { what: 'Tiki refreshToken', secrets: secretsOf(refreshToken) };
      const body = { refresh_token: refreshToken };
      const data = await postSigned(o, {
        path: TIKI_PATHS.refresh,
        body,
        dataSchema: RefreshGrantSchema,
        call,
      });
      return grantFromTokens(data);
    },

    async getTokenInfo(accessToken) {
      requireNonEmptyString('accessToken', accessToken);
      const call = { what: 'Tiki getTokenInfo', secrets: secretsOf(accessToken) };
      const body = { access_token: accessToken };
      const data = await reads(() =>
        postSigned(o, { path: TIKI_PATHS.me, body, dataSchema: TokenInfoSchema, call }),
      );
      return tokenInfoFrom(data);
    },

    async getCustomerProfile(accessToken) {
      requireNonEmptyString('accessToken', accessToken);
      const call = { what: 'Tiki getCustomerProfile', secrets: secretsOf(accessToken) };
      return reads(async () => {
        const raw = await fetchWithDeadline({
          fetch: o.fetch,
          url: `${o.openApiBaseUrl}${TIKI_PATHS.profile}`,
          init: {
            method: 'GET',
            headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
          },
          timeoutMs: o.timeoutMs,
          what: call.what,
        });
        return readProfile(raw, call);
      });
    },
  };
}
