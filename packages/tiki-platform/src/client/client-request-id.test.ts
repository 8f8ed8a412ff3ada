import { describe, expect, it } from 'vitest';
import { AUTH_CODE, useFakeTiki } from '../testing/harness.ts';

const h = useFakeTiki();

describe('the caller’s request id travels with every call', () => {
  it('as X-Request-Id on the exchange, /oauth/me, the refresh and the profile, REST and GraphQL', async () => {
    const options = { requestId: 'req-42' };
    const rest = h.client();
    await rest.exchangeAuthCode(AUTH_CODE, options);
    await rest.getTokenInfo('at-1', options);
    await rest.refreshToken('rt-1', options);
    await rest.getCustomerProfile('at-2', options);
    const graphql = h.client({ transport: 'graphql' });
    await graphql.exchangeAuthCode(AUTH_CODE, options);
    await graphql.refreshToken('rt-1', options);
    expect(h.tiki.requests.map((r) => [r.route, r.headers['x-request-id']])).toEqual([
      ['token', 'req-42'],
      ['me', 'req-42'],
      ['refresh', 'req-42'],
      ['profile', 'req-42'],
      ['graphql', 'req-42'],
      ['graphql', 'req-42'],
    ]);
  });

  it('is left out when the caller has none, and a malformed one is a TypeError before anything is sent', async () => {
    await h.client().getTokenInfo('at-1');
    expect(h.tiki.requests[0]?.headers['x-request-id']).toBeUndefined();
    await expect(h.client().getTokenInfo('at-1', { requestId: 'has spaces' })).rejects.toThrow(TypeError);
    expect(h.tiki.requests).toHaveLength(1);
  });
});
