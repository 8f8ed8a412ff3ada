import { describe, expect, it } from 'vitest';
import { envelope, tikiError } from '../testing/fake-tiki.ts';
import { rejection, useFakeTiki } from '../testing/harness.ts';
import type { TikiAttempt } from './attempts.ts';
import { attemptOutcomeOf, TikiApiError, TikiResponseError } from './errors.ts';

const h = useFakeTiki();
const ACCESS_TOKEN = 'access-token-of-ti-ni';

function listening() {
  const attempts: TikiAttempt[] = [];
  const client = h.client({ onAttempt: (attempt) => attempts.push(attempt) });
  const seen = () => attempts.map(({ route, outcome, reason }) => ({ route, outcome, reason }));
  return { client, attempts, seen };
}

describe('onAttempt: every HTTP attempt, by Tiki route and outcome', () => {
  it('names each route by method and path, never by its query or an id', async () => {
    const { client, attempts, seen } = listening();
    await client.exchangeAuthCode('code-1');
    await client.getTokenInfo(ACCESS_TOKEN);
    await client.getCustomerProfile(ACCESS_TOKEN);
    const created = await client.createOrder({
      customer_id: '1',
      items: [{ name: 'Gói 100 xu', quantity: 1, price: 75000 }],
      reference_id: 'ord_1',
    });
    await client.getOrder(created.id);
    await client.listOrders([created.id]);
    expect(seen()).toEqual([
      { route: 'POST /oauth/auth/token', outcome: 'ok', reason: '' },
      { route: 'POST /oauth/me', outcome: 'ok', reason: '' },
      { route: 'GET /ecom/v1/customers/profile', outcome: 'ok', reason: '' },
      { route: 'POST /order', outcome: 'ok', reason: '' },
      { route: 'GET /order', outcome: 'ok', reason: '' },
      { route: 'GET /order/list', outcome: 'ok', reason: '' },
    ]);
    expect(attempts.every((a) => a.seconds >= 0 && a.seconds < 10)).toBe(true);
  });

  it('the GraphQL transport names its field', async () => {
    const attempts: TikiAttempt[] = [];
    await h.client({ transport: 'graphql', onAttempt: (a) => attempts.push(a) }).exchangeAuthCode('code-1');
    expect(attempts.map((a) => [a.route, a.outcome])).toEqual([['graphql get_auth_access_token', 'ok']]);
  });

  it('a retried read is one attempt each: two 5xx then ok', async () => {
    h.tiki.on('me', (_request, attempt) =>
      attempt < 3
        ? { status: 503, json: tikiError('server_error', 'try later', 503) }
        : { json: envelope({ customer_id: 1, customer_name: 'Ti Ni', scopes: [] }) },
    );
    const { client, seen } = listening();
    await client.getTokenInfo(ACCESS_TOKEN);
    expect(seen().map((a) => a.outcome)).toEqual(['server_error', 'server_error', 'ok']);
  });

  it('a refusal carries its documented reason; an undocumented one is "other"', async () => {
    h.tiki.on('token', (_request, attempt) =>
      attempt === 1
        ? { status: 400, json: tikiError('invalid_code', 'invalid auth code') }
        : { status: 400, json: tikiError('something_new', 'a reason nobody documented') },
    );
    const { client, seen } = listening();
    await rejection(client.exchangeAuthCode('code-1'));
    await rejection(client.exchangeAuthCode('code-2'));
    expect(seen()).toEqual([
      { route: 'POST /oauth/auth/token', outcome: 'refused', reason: 'invalid_code' },
      { route: 'POST /oauth/auth/token', outcome: 'refused', reason: 'other' },
    ]);
  });

  it('a deadline that passes is a timeout', async () => {
    h.tiki.on('me', () => ({ hang: true }));
    const attempts: TikiAttempt[] = [];
    const client = h.client({ timeoutMs: 50, onAttempt: (a) => attempts.push(a) });
    await rejection(client.getTokenInfo(ACCESS_TOKEN));
    expect(attempts.map((a) => a.outcome)).toEqual(['timeout']);
    expect(attempts[0]?.seconds).toBeGreaterThanOrEqual(0.04);
  });

  it('a dropped connection is network (each retry too); a body that is not JSON is unreadable', async () => {
    h.tiki.on('me', () => ({ destroy: true }));
    h.tiki.on('token', () => ({ status: 200, text: '<html>', contentType: 'text/html' }));
    const { client, seen } = listening();
    await rejection(client.getTokenInfo(ACCESS_TOKEN));
    await rejection(client.exchangeAuthCode('code-1'));
    expect(seen().map((a) => a.outcome)).toEqual(['network', 'network', 'network', 'unreadable']);
  });
});

describe('attemptOutcomeOf', () => {
  it('reads a 429 as rate limited, a 5xx we cannot read as a server error, anything else as error', () => {
    const api = (status: number, reason = '') => new TikiApiError({ status, reason, message: 'm' });
    expect(attemptOutcomeOf(api(429))).toEqual({ outcome: 'rate_limited', reason: '' });
    expect(attemptOutcomeOf(api(502))).toEqual({ outcome: 'server_error', reason: '' });
    expect(attemptOutcomeOf(api(403, 'scope_missing'))).toEqual({
      outcome: 'refused',
      reason: 'scope_missing',
    });
    expect(attemptOutcomeOf(api(400, ''))).toEqual({ outcome: 'refused', reason: 'other' });
    expect(attemptOutcomeOf(new TikiResponseError({ status: 502, message: 'm' }))).toEqual({
      outcome: 'server_error',
      reason: '',
    });
    expect(attemptOutcomeOf(new TypeError('a bug'))).toEqual({ outcome: 'error', reason: '' });
  });
});
