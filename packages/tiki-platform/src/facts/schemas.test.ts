import { describe, expect, it } from 'vitest';
import {
  CustomerProfileSchema,
  envelopeSchema,
  GraphqlExchangeInputSchema,
  TokenGrantSchema,
  TokenInfoSchema,
} from './schemas.ts';

const grant = {
  access_token: 'at',
  refresh_token: 'rt',
  expires_in: 3600,
  scopes: ['user_profile', 'offline'],
  token_type: 'bearer',
  customer: { id: 1, name: 'Ti Ni' },
};

describe("Tiki's wire shapes", () => {
  const envelope = envelopeSchema(TokenGrantSchema);

  it('an envelope is data with a null error, or a null data with the error', () => {
    expect(envelope.parse({ data: grant, error: null })).toEqual({ data: grant, error: null });
    const error = { code: 400, reason: 'invalid_code', message: 'invalid auth code' };
    expect(envelope.parse({ data: null, error })).toEqual({ data: null, error });
  });

  it.each([
    ['both null', { data: null, error: null }],
    ['both set', { data: grant, error: { code: 400, reason: 'x', message: 'y' } }],
    ['no error field', { data: grant }],
    ['an error without message', { data: null, error: { code: 400, reason: 'x' } }],
  ])('an envelope with %s is refused', (_name, value) => {
    expect(envelope.safeParse(value).success).toBe(false);
  });

  it('an error without reason (error-code.md marks it optional) reads as the empty reason', () => {
    expect(envelope.parse({ data: null, error: { code: 400, message: 'y' } }).error).toEqual({
      code: 400,
      reason: '',
      message: 'y',
    });
  });

  it('a grant without the offline scope has no refresh token', () => {
    const { refresh_token: _omit, ...withoutRefresh } = grant;
    expect(TokenGrantSchema.parse(withoutRefresh).refresh_token).toBeUndefined();
  });

  it('scopes Tiki adds later are accepted; an empty scope is not', () => {
    expect(
      TokenInfoSchema.parse({ customer_id: 1, customer_name: 'A', scopes: ['order_read'] }).scopes,
    ).toEqual(['order_read']);
    expect(TokenInfoSchema.safeParse({ customer_id: 1, customer_name: 'A', scopes: [''] }).success).toBe(
      false,
    );
  });

  it('the customer profile lets unknown fields through', () => {
    expect(CustomerProfileSchema.parse({ id: 1, phone: '0901', nested: { a: 1 } })).toEqual({
      id: 1,
      phone: '0901',
      nested: { a: 1 },
    });
  });

  it('a GraphQL timestamp is a number, not a string', () => {
    const input = { code: 'c', client_id: 'k', timestamp: 1620901354516, signature: 's' };
    expect(GraphqlExchangeInputSchema.safeParse(input).success).toBe(true);
    expect(GraphqlExchangeInputSchema.safeParse({ ...input, timestamp: '1620901354516' }).success).toBe(
      false,
    );
  });
});
