import { describe, expect, it } from 'vitest';
import { TIKI_HEADERS } from '../facts/schemas.ts';
import { envelope, tikiError } from '../testing/fake-tiki.ts';
import { deadOrigin, rejection, useFakeTiki } from '../testing/harness.ts';
import { TikiApiError, TikiNetworkError, TikiResponseError, TikiTimeoutError } from './errors.ts';

const h = useFakeTiki();
const ACCESS_TOKEN = 'access-token-of-ti-ni';

describe('getTokenInfo (REST /oauth/me)', () => {
  it('returns who the token belongs to, camelCase', async () => {
    expect(await h.client().getTokenInfo(ACCESS_TOKEN)).toEqual({
      customerId: 1,
      customerName: 'Ti Ni',
      scopes: ['user_profile', 'offline'],
    });
    expect(h.tiki.requests[0]?.rawBody.toString()).toBe(`{"access_token":"${ACCESS_TOKEN}"}`);
    expect(h.tiki.requests[0]?.verdict).toEqual({ ok: true });
  });

  it('is REST even when the client uses the GraphQL transport', async () => {
    await h.client({ transport: 'graphql' }).getTokenInfo(ACCESS_TOKEN);
    expect(h.tiki.requests.map((r) => r.route)).toEqual(['me']);
  });

  it('invalid_token is TikiApiError and is not retried', async () => {
    h.tiki.on('me', () => ({ status: 400, json: tikiError('invalid_token', 'invalid access token') }));
    const error = await rejection(h.client().getTokenInfo(ACCESS_TOKEN), [ACCESS_TOKEN]);
    expect(error).toMatchObject({ name: 'TikiApiError', reason: 'invalid_token', status: 400 });
    expect(h.tiki.count('me')).toBe(1);
  });

  it('two 503s then success: three attempts, each signed afresh with the clock of its own moment', async () => {
    h.tiki.on('me', (_request, attempt) => {
      h.clock.advance(1_000);
      return attempt < 3
        ? { status: 503, json: tikiError('server_error', 'try later', 503) }
        : { json: envelope({ customer_id: 1, customer_name: 'Ti Ni', scopes: [] }) };
    });
    expect(await h.client().getTokenInfo(ACCESS_TOKEN)).toMatchObject({ customerId: 1 });
    const stamps = h.tiki.requests.map((r) => r.headers[TIKI_HEADERS.timestamp]);
    expect(new Set(stamps).size).toBe(3);
    expect(h.tiki.requests.every((r) => r.verdict?.ok)).toBe(true);
  });

  it('gives up after readRetries extra attempts with the last error', async () => {
    h.tiki.on('me', () => ({ status: 500, text: 'Internal Server Error', contentType: 'text/plain' }));
    const error = await rejection(h.client().getTokenInfo(ACCESS_TOKEN));
    expect(error).toMatchObject({ name: 'TikiApiError', reason: 'server_error', status: 500 });
    expect(h.tiki.count('me')).toBe(3);
  });

  it('readRetries: 0 makes one attempt only', async () => {
    h.tiki.on('me', () => ({ status: 503, text: '' }));
    await rejection(h.client({ readRetries: 0 }).getTokenInfo(ACCESS_TOKEN));
    expect(h.tiki.count('me')).toBe(1);
  });

  it('a dropped connection is retried', async () => {
    h.tiki.on('me', (_request, attempt) =>
      attempt === 1
        ? { destroy: true }
        : { json: envelope({ customer_id: 2, customer_name: 'B', scopes: [] }) },
    );
    expect(await h.client().getTokenInfo(ACCESS_TOKEN)).toMatchObject({ customerId: 2 });
    expect(h.tiki.count('me')).toBe(2);
  });

  it('a timeout is not retried: the deadline is spent', async () => {
    h.tiki.on('me', () => ({ hang: true }));
    const error = await rejection(h.client({ timeoutMs: 1_000 }).getTokenInfo(ACCESS_TOKEN));
    expect(error).toBeInstanceOf(TikiTimeoutError);
    expect(h.tiki.count('me')).toBe(1);
  });

  it('a refused connection is retried, then TikiNetworkError', async () => {
    const origin = await deadOrigin();
    const error = await rejection(h.client({ restBaseUrl: origin }).getTokenInfo(ACCESS_TOKEN));
    expect(error).toMatchObject({ name: 'TikiNetworkError', code: 'ECONNREFUSED' });
  });

  it('data that breaks the schema is TikiResponseError, not retried', async () => {
    h.tiki.on('me', () => ({ json: envelope({ customer_id: '1', customer_name: 'Ti Ni', scopes: [] }) }));
    const error = await rejection(h.client().getTokenInfo(ACCESS_TOKEN));
    expect(error).toBeInstanceOf(TikiResponseError);
    expect(error.message).toMatch(/customer_id/);
    expect(h.tiki.count('me')).toBe(1);
  });
});

describe('getCustomerProfile (Open API)', () => {
  it('sends the bearer token and passes unknown fields through', async () => {
    expect(await h.client().getCustomerProfile(ACCESS_TOKEN)).toEqual({
      id: 1,
      name: 'Ti Ni',
      email: 'tini@example.com',
      tier: 'gold',
    });
    expect(h.tiki.requests[0]?.headers.authorization).toBe(`Bearer ${ACCESS_TOKEN}`);
    expect(h.tiki.requests[0]?.method).toBe('GET');
  });

  it.each([
    ['401', { status: 401, text: '' }, 'invalid_token'],
    ['401 whatever the body says', { status: 401, json: { reason: 'expired' } }, 'invalid_token'],
    ['403 without a body', { status: 403, text: '' }, 'scope_missing'],
    ['403 with a reason', { status: 403, json: { reason: 'insufficient_scope' } }, 'insufficient_scope'],
    [
      '403 with a nested reason',
      { status: 403, json: { error: { reason: 'scope_denied' } } },
      'scope_denied',
    ],
    ['403 with an OAuth error', { status: 403, json: { error: 'access_denied' } }, 'access_denied'],
    [
      '403 with a reason that is prose',
      { status: 403, json: { reason: 'you may not <b>' } },
      'scope_missing',
    ],
    ['404', { status: 404, json: [] }, 'http_404'],
  ])('%s is TikiApiError with reason %s', async (_name, reply, reason) => {
    h.tiki.on('profile', () => reply);
    const error = await rejection(h.client().getCustomerProfile(ACCESS_TOKEN), [ACCESS_TOKEN]);
    expect(error).toBeInstanceOf(TikiApiError);
    expect(error).toMatchObject({ reason, status: reply.status });
    expect(h.tiki.count('profile')).toBe(1);
  });

  it('a 500 is retried, then TikiApiError with that status', async () => {
    h.tiki.on('profile', () => ({ status: 500, json: { message: 'boom' } }));
    const error = await rejection(h.client({ readRetries: 1 }).getCustomerProfile(ACCESS_TOKEN));
    expect(error).toMatchObject({ name: 'TikiApiError', reason: 'server_error', status: 500 });
    expect(h.tiki.count('profile')).toBe(2);
  });

  it.each([
    ['not JSON', { text: 'hello' }, /is not JSON/],
    ['an array', { json: [{ id: 1 }] }, /does not match its shape/],
    ['an id that is not a number', { json: { id: 'one' } }, /id: /],
  ])('a 200 with %s is TikiResponseError', async (_name, reply, message) => {
    h.tiki.on('profile', () => reply);
    const error = await rejection(h.client().getCustomerProfile(ACCESS_TOKEN));
    expect(error).toBeInstanceOf(TikiResponseError);
    expect(error.message).toMatch(message);
  });

  it('a server that never answers is TikiTimeoutError', async () => {
    h.tiki.on('profile', () => ({ hang: true }));
    const error = await rejection(h.client({ timeoutMs: 1_000 }).getCustomerProfile(ACCESS_TOKEN));
    expect(error).toBeInstanceOf(TikiTimeoutError);
  });

  it('a refused connection is TikiNetworkError after the retries', async () => {
    const error = await rejection(
      h.client({ openApiBaseUrl: await deadOrigin() }).getCustomerProfile(ACCESS_TOKEN),
    );
    expect(error).toBeInstanceOf(TikiNetworkError);
  });
});
