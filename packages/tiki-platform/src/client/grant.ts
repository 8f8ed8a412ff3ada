import type { GraphqlToken, RefreshGrant, TokenGrant, TokenInfo } from '../facts/schemas.ts';

/** What the server keeps from a grant, camelCase, whichever generation of Tiki's API issued it. */
export interface TikiGrant {
  accessToken: string;
  refreshToken: string | null;
  /** Seconds. */
  expiresIn: number;
  scopes: string[];
  /** Only the REST exchange may say who the customer is; null for GraphQL, refresh, or when Tiki omits it. */
  customer: { id: number; name: string } | null;
}

export interface TikiTokenInfo {
  customerId: number;
  customerName: string;
  scopes: string[];
}

export function grantFromTokens(t: TokenGrant | RefreshGrant | GraphqlToken): TikiGrant {
  return {
    accessToken: t.access_token,
    refreshToken: t.refresh_token ?? null,
    expiresIn: t.expires_in,
    scopes: [...t.scopes],
    customer: 'customer' in t && t.customer ? { id: t.customer.id, name: t.customer.name } : null,
  };
}

export function tokenInfoFrom(t: TokenInfo): TikiTokenInfo {
  return { customerId: t.customer_id, customerName: t.customer_name, scopes: [...t.scopes] };
}
