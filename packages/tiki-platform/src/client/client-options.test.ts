import { describe, expect, it } from 'vitest';
import { DEV_BASE_URLS } from '../dev/dev.ts';
import { createTikiClient, type TikiClientOptions } from './client.ts';

const valid: TikiClientOptions = {
  clientId: 'id',
  clientSecret: 'secret',
  ...DEV_BASE_URLS,
  transport: 'rest',
  timeoutMs: 5_000,
};

describe('createTikiClient refuses a misconfiguration at once, with a TypeError naming the option', () => {
  it.each([
    ['a missing client id', { clientId: undefined }, /clientId must be a string, got undefined/],
    ['an empty secret', { clientSecret: '' }, /clientSecret must not be empty/],
    ['an unknown transport', { transport: 'soap' }, /transport must be 'rest' or 'graphql', got "soap"/],
    [
      'a relative base URL',
      { restBaseUrl: '/tiniapp-open-api' },
      /restBaseUrl must be an absolute http\(s\) URL/,
    ],
    ['a non-http URL', { graphqlUrl: 'ftp://example.com/graphql' }, /graphqlUrl must be an http\(s\) URL/],
    ['a zero timeout', { timeoutMs: 0 }, /timeoutMs must be a number from 1 to 2147483647, got 0/],
    [
      'a timeout beyond what a timer can hold',
      { timeoutMs: 2 ** 31 },
      /timeoutMs must be a number from 1 to/,
    ],
    [
      'a timeout given as text',
      { timeoutMs: '5000' },
      /timeoutMs must be a number from 1 to 2147483647, got a string/,
    ],
    ['negative retries', { readRetries: -1 }, /readRetries must be an integer from 0 to 10/],
    ['fractional retries', { readRetries: 1.5 }, /readRetries must be an integer from 0 to 10, got 1.5/],
    ['a negative backoff', { retryBaseDelayMs: -5 }, /retryBaseDelayMs must be a number from 0 to 60000/],
    ['a fetch that is not a function', { fetch: 'fetch' }, /fetch must be a function/],
    ['a clock without now()', { clock: {} }, /clock must have a now\(\) method/],
  ])('%s', (_name, override, message) => {
    const call = () => createTikiClient({ ...valid, ...override } as unknown as TikiClientOptions);
    expect(call).toThrow(TypeError);
    expect(call).toThrow(message);
  });

  it('options that are not an object', () => {
    expect(() => createTikiClient(null as unknown as TikiClientOptions)).toThrow(
      /^tiki-platform: createTikiClient options/,
    );
  });

  it('accepts the development defaults, trailing slashes included', () => {
    const client = createTikiClient({
      ...valid,
      restBaseUrl: `${DEV_BASE_URLS.restBaseUrl}/`,
      readRetries: 0,
    });
    expect(Object.keys(client).sort()).toEqual([
      'cancelOrder',
      'completeOrder',
      'createOrder',
      'exchangeAuthCode',
      'getCustomerProfile',
      'getOrder',
      'getTokenInfo',
      'listOrders',
      'refreshToken',
    ]);
  });
});
