import * as z from 'zod';
import { ScopeSchema } from './scopes.ts';

/**
 * Tiki's wire shapes, snake_case as Tiki sends them, each schema with its inferred type. The emulator answers
 * with these and the client parses with them, so both sides agree by construction.
 */

/** Header names as Node exposes them (lowercase); Tiki documents them as `X-Tiniapp-*`. */
export const TIKI_HEADERS = {
  clientId: 'x-tiniapp-client-id',
  timestamp: 'x-tiniapp-timestamp',
  signature: 'x-tiniapp-signature',
} as const;

/** `token`, `refresh` and `me` are under the REST base URL; `profile` under the Open API base URL. */
export const TIKI_PATHS = {
  token: '/oauth/auth/token',
  refresh: '/oauth/auth/token/refresh',
  me: '/oauth/me',
  profile: '/ecom/v1/customers/profile',
} as const;

/** The two GraphQL operations of the older generation (fields of the root `query` type). */
export const TIKI_GRAPHQL_FIELDS = {
  exchange: 'get_auth_access_token',
  refresh: 'refresh_auth_access_token',
} as const;

/**
 * Tiki's reasons for refusing an auth or Open API call, named once for the client, the server and the emulator.
 * Other reasons pass through as text, and the payment docs show refusals with `"reason": ""`: both are valid.
 */
export const TIKI_ERROR_REASONS = {
  /** Documented ("invalid auth code"): unknown, expired or used; also a code issued to another app. */
  invalidCode: 'invalid_code',
  /** Documented ("invalid refresh token" / "invalid access token"). */
  invalidToken: 'invalid_token',
  /** Documented ("invalid signature"). */
  invalidSignature: 'invalid_signature',
  /** Assumed: a missing or unknown client id. Tiki documents no reason for it. */
  invalidClient: 'invalid_client',
  /** Assumed: the Open API's refusal of a token without the scope the call needs (a 403; no body documented). */
  scopeMissing: 'scope_missing',
} as const;
export type TikiErrorReason = (typeof TIKI_ERROR_REASONS)[keyof typeof TIKI_ERROR_REASONS];

/**
 * Tiki's error (docs/backend-api/payment/error-code.md): `code` (the HTTP status) and `message` required,
 * `reason` optional (an envelope without one is read by its HTTP status: a 4xx refuses, a 5xx fails), and
 * `metadata` (`{ service_code, request_id }`, for debugging) optional.
 */
export const TikiErrorSchema = z.object({
  code: z.number().int(),
  reason: z.string().default(''),
  message: z.string(),
  metadata: z.unknown().optional(),
});
export type TikiErrorBody = z.infer<typeof TikiErrorSchema>;

/** `{ data, error }`: data with `error: null`, or `data: null` with the error. */
export function envelopeSchema<T extends z.ZodType>(data: T) {
  return z.union([z.object({ data, error: z.null() }), z.object({ data: z.null(), error: TikiErrorSchema })]);
}
export type Envelope<T> = { data: T; error: null } | { data: null; error: TikiErrorBody };

export const CustomerSchema = z.object({
  id: z.number().int(),
  name: z.string(),
});
export type Customer = z.infer<typeof CustomerSchema>;

const tokenFields = {
  access_token: z.string().min(1),
  /** Seconds, e.g. 3600. */
  expires_in: z.number().int().positive(),
  scopes: z.array(ScopeSchema),
};

/**
 * REST exchange `data`. `refresh_token` only when the scope `offline` was granted. `token_type` and `customer`
 * appear only in a hand-written doc example (Tiki's Go sample reads neither), so they are optional: a login must
 * not fail over them once the code is spent, and `/oauth/me` identifies the user anyway.
 */
export const TokenGrantSchema = z.object({
  ...tokenFields,
  refresh_token: z.string().min(1).nullish(),
  token_type: z.string().min(1).optional(),
  customer: CustomerSchema.optional(),
});
export type TokenGrant = z.infer<typeof TokenGrantSchema>;

/** REST refresh `data`: always a new refresh token, no customer; `token_type` as lenient as the exchange's. */
export const RefreshGrantSchema = z.object({
  ...tokenFields,
  refresh_token: z.string().min(1),
  token_type: z.string().min(1).optional(),
});
export type RefreshGrant = z.infer<typeof RefreshGrantSchema>;

/** REST `/oauth/me` `data`. */
export const TokenInfoSchema = z.object({
  customer_id: z.number().int(),
  customer_name: z.string(),
  scopes: z.array(ScopeSchema),
});
export type TokenInfo = z.infer<typeof TokenInfoSchema>;

/** Open API customer profile: Tiki does not document the body; public client code reads `id`. */
export const CustomerProfileSchema = z.looseObject({
  id: z.number().int().optional(),
});
export type CustomerProfile = z.infer<typeof CustomerProfileSchema>;

export const ExchangeCodeRequestSchema = z.object({ code: z.string().min(1) });
export type ExchangeCodeRequest = z.infer<typeof ExchangeCodeRequestSchema>;

export const RefreshTokenRequestSchema = z.object({ refresh_token: z.string().min(1) });
export type RefreshTokenRequest = z.infer<typeof RefreshTokenRequestSchema>;

export const TokenInfoRequestSchema = z.object({ access_token: z.string().min(1) });
export type TokenInfoRequest = z.infer<typeof TokenInfoRequestSchema>;

/** What both GraphQL operations select: `access_token refresh_token expires_in scopes`. */
export const GraphqlTokenSchema = z.object({
  ...tokenFields,
  refresh_token: z.string().min(1).nullish(),
});
export type GraphqlToken = z.infer<typeof GraphqlTokenSchema>;

const graphqlSignedFields = {
  client_id: z.string().min(1),
  /** Milliseconds, a number (not a string): it is part of the signed JSON. */
  timestamp: z.number().int(),
  signature: z.string(),
};

export const GraphqlExchangeInputSchema = z.object({ code: z.string().min(1), ...graphqlSignedFields });
export type GraphqlExchangeInput = z.infer<typeof GraphqlExchangeInputSchema>;

export const GraphqlRefreshInputSchema = z.object({
  refresh_token: z.string().min(1),
  ...graphqlSignedFields,
});
export type GraphqlRefreshInput = z.infer<typeof GraphqlRefreshInputSchema>;

/**
 * A GraphQL error as this project's emulator sends it: Tiki's reason and code in `extensions`, so the client can
 * raise the same TikiApiError as for REST. Tiki does not document its GraphQL errors; the client also accepts an
 * error without extensions and reports it with reason 'graphql_error'.
 */
export const GraphqlErrorSchema = z.object({
  message: z.string(),
  extensions: z
    .object({ code: z.number().int().optional(), reason: z.string().min(1).optional() })
    .loose()
    .optional(),
});
export type GraphqlError = z.infer<typeof GraphqlErrorSchema>;
