import { afterEach, describe, expect, it } from 'vitest';
import { closeAndExpectNoLeak, errorOf, type Stack, startStack } from '../src/testing/harness.ts';

let stack: Stack;
afterEach(() => closeAndExpectNoLeak(stack));

describe("one user cannot spend the app's Tiki quota", () => {
  it('caches a user’s profile for TIKI_PROFILE_CACHE_TTL_MS: a burst makes one Open API call', async () => {
    stack = await startStack({ env: { TIKI_PROFILE_CACHE_TTL_MS: '30000' } });
    const token = await stack.loginToken();
    const burst = await Promise.all(
      Array.from({ length: 20 }, () => stack.request('GET', '/api/profile', { token })),
    );
    expect(burst.map((answer) => answer.status)).toEqual(Array(20).fill(200));
    expect((await stack.request('GET', '/api/profile', { token })).status).toBe(200);
    expect(stack.emulator.count('profile')).toBe(1);

    stack.clock.advance(30_000); // stale: the next request asks Tiki again
    expect((await stack.request('GET', '/api/profile', { token })).body).toMatchObject({
      profile: { id: 1 },
    });
    expect(stack.emulator.count('profile')).toBe(2);
  });

  it('keeps neither a failure nor another user’s profile', async () => {
    stack = await startStack({ env: { TIKI_PROFILE_CACHE_TTL_MS: '30000' } });
    const token = await stack.loginToken();
    stack.emulator.setFault({ route: 'profile', kind: 'status', status: 503, times: 3 });
    expect(errorOf(await stack.request('GET', '/api/profile', { token })).code).toBe('upstream_unavailable');
    expect((await stack.request('GET', '/api/profile', { token })).status).toBe(200);
    const other = await stack.loginToken({ customerId: 2 });
    expect((await stack.request('GET', '/api/profile', { token: other })).body).toMatchObject({
      profile: { id: 2 },
    });
  });

  it('a user who did not grant user_profile gets scope_missing, cache or not', async () => {
    stack = await startStack({ env: { TIKI_PROFILE_CACHE_TTL_MS: '30000' } });
    const token = await stack.loginToken({ scopes: ['offline'] });
    expect(errorOf(await stack.request('GET', '/api/profile', { token })).code).toBe('scope_missing');
    expect(stack.emulator.count('profile')).toBe(0);
  });

  it('limits each user to TIKI_ROUTE_LIMIT_MAX Tiki-backed requests per window: 429 with Retry-After', async () => {
    stack = await startStack({ env: { TIKI_ROUTE_LIMIT_MAX: '3', TIKI_ROUTE_LIMIT_WINDOW_MS: '60000' } });
    const token = await stack.loginToken();
    for (let i = 0; i < 3; i++)
      expect((await stack.request('GET', '/api/profile', { token })).status).toBe(200);
    const limited = await stack.request('GET', '/api/profile', { token });
    expect(errorOf(limited).code).toBe('rate_limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(stack.emulator.count('profile')).toBe(3);
    // Per user: another user, from the same address, is served; and the limited user's /api/me still works.
    const other = await stack.loginToken({ customerId: 2 });
    expect((await stack.request('GET', '/api/profile', { token: other })).status).toBe(200);
    expect((await stack.request('GET', '/api/me', { token })).status).toBe(200);
  });
});
