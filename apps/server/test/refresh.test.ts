import { createManualClock } from '@tini-starter/tiki-platform/clock';
import { afterEach, describe, expect, it } from 'vitest';
import { closeAndExpectNoLeak, errorOf, type Stack, startStack } from '../src/testing/harness.ts';

const HOUR = 3600_000;
let stack: Stack;
// The leak check of every flow in this file: no Tiki token, code, secret or signature in a log line or an
// answer, and no session token in a log line.
afterEach(() => closeAndExpectNoLeak(stack));

describe('refreshing Tiki access tokens', () => {
  it('refreshes ahead of expiry, within the margin, once, and then uses the new token', async () => {
    stack = await startStack({ env: { TIKI_REFRESH_MARGIN_MS: '120000' } });
    const token = await stack.loginToken();

    stack.clock.advance(HOUR - 121_000); // just outside the margin: no refresh yet
    expect((await stack.request('GET', '/api/profile', { token })).status).toBe(200);
    expect(stack.emulator.countOperation('refresh')).toBe(0);

    stack.clock.advance(2000); // 119 s before expiry: inside the margin
    expect((await stack.request('GET', '/api/profile', { token })).status).toBe(200);
    expect(stack.emulator.countOperation('refresh', 'ok')).toBe(1);

    expect((await stack.request('GET', '/api/profile', { token })).status).toBe(200);
    expect(stack.emulator.countOperation('refresh')).toBe(1);
    expect(stack.emulator.count('profile', 'ok')).toBe(3);
  });

  it('an early refresh that Tiki fails (5xx) does not fail the request: the still-valid token serves it', async () => {
    stack = await startStack({ env: { TIKI_REFRESH_MARGIN_MS: '120000' } });
    const token = await stack.loginToken();
    stack.clock.advance(HOUR - 60_000); // one minute left: inside the margin, not expired
    stack.emulator.setFault({ route: 'refresh', kind: 'status', status: 503, times: 1 });

    expect((await stack.request('GET', '/api/profile', { token })).status).toBe(200);
    expect(stack.emulator.countOperation('refresh')).toBe(1);
    expect(stack.emulator.countOperation('refresh', 'ok')).toBe(0);
    // The next requests do not wait on another early attempt at once: it backs off for 30 s.
    expect((await stack.request('GET', '/api/profile', { token })).status).toBe(200);
    expect(stack.emulator.countOperation('refresh')).toBe(1);
    // After the backoff the next request tries again, and this time Tiki answers.
    stack.clock.advance(30_000);
    expect((await stack.request('GET', '/api/profile', { token })).status).toBe(200);
    expect(stack.emulator.countOperation('refresh', 'ok')).toBe(1);
  });

  it('without offline (no refresh token), the access token serves until it actually expires', async () => {
    stack = await startStack({ env: { TIKI_REFRESH_MARGIN_MS: '120000' } });
    const token = await stack.loginToken({ scopes: ['user_profile'] });
    stack.clock.advance(HOUR - 60_000); // inside the margin, not expired: nothing to refresh with, so use it
    expect((await stack.request('GET', '/api/profile', { token })).status).toBe(200);
    // The tokens are still stored: /api/me reports the granted scope.
    expect((await stack.request('GET', '/api/me', { token })).body).toMatchObject({
      scopes: ['user_profile'],
    });
    stack.clock.advance(60_000); // now expired
    expect(errorOf(await stack.request('GET', '/api/profile', { token })).code).toBe('tiki_reauth_required');
    expect(stack.emulator.countOperation('refresh')).toBe(0);
  });

  it('a Tiki expires_in at or below the margin does not make every request refresh: the margin adapts', async () => {
    // A one-minute token against a two-minute margin: refreshed at half its life, not on every request.
    stack = await startStack({
      env: { TIKI_REFRESH_MARGIN_MS: '120000' },
      emulator: { lifetimes: { accessTokenMs: 60_000 } },
    });
    const token = await stack.loginToken();
    for (let i = 0; i < 3; i++)
      expect((await stack.request('GET', '/api/profile', { token })).status).toBe(200);
    expect(stack.emulator.countOperation('refresh')).toBe(0);
    stack.clock.advance(31_000);
    for (let i = 0; i < 3; i++)
      expect((await stack.request('GET', '/api/profile', { token })).status).toBe(200);
    expect(stack.emulator.countOperation('refresh', 'ok')).toBe(1);
  });

  it('an early refresh refused because the refresh token is dead asks for consent, even if the access token still works', async () => {
    stack = await startStack({ env: { TIKI_REFRESH_MARGIN_MS: '120000' } });
    const token = await stack.loginToken();
    stack.clock.advance(HOUR - 60_000);
    stack.emulator.revokeTokens({ customerId: 1 });

    expect(errorOf(await stack.request('GET', '/api/profile', { token })).code).toBe('tiki_reauth_required');
    expect(stack.emulator.countOperation('refresh')).toBe(1);
  });

  it('a refresh that started before a fresh login does not overwrite that login: the newer grant wins', async () => {
    stack = await startStack();
    const token = await stack.loginToken();
    stack.clock.advance(2 * HOUR);
    stack.emulator.setFault({ route: 'refresh', kind: 'latency', ms: 1000, times: 1 });
    const during = stack.request('GET', '/api/profile', { token }); // refreshes, slowly
    // Once the refresh has left for Tiki (the emulator holds it for a second)...
    const refreshSent = () =>
      stack.recorder.tikiCalls.some((path) => path.endsWith('/oauth/auth/token/refresh'));
    for (let i = 0; i < 200 && !refreshSent(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(refreshSent()).toBe(true);
    // Meanwhile the user logs in again, granting less.
    const fresh = await stack.loginToken({ scopes: ['user_profile'] });
    expect((await during).status).toBe(200);
    expect(stack.emulator.countOperation('refresh', 'ok')).toBe(1);
    expect((await stack.request('GET', '/api/me', { token: fresh })).body).toMatchObject({
      scopes: ['user_profile'],
    });
  });

  it('50 concurrent /api/profile calls with an expired token make one refresh, and all succeed', async () => {
    stack = await startStack();
    const token = await stack.loginToken();
    stack.clock.advance(2 * HOUR);

    const answers = await Promise.all(
      Array.from({ length: 50 }, () => stack.request('GET', '/api/profile', { token })),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array(50).fill(200));
    expect(stack.emulator.countOperation('refresh')).toBe(1);
    expect(stack.emulator.countOperation('refresh', 'ok')).toBe(1);
  });

  it('a refresh lease left by an instance that crashed expires, and the next request takes it over', async () => {
    stack = await startStack();
    const login = await stack.login(stack.authCode());
    const { token, user } = login.body as { token: string; user: { id: string } };
    // An instance took the lease for the current tokens and died before refreshing.
    const crashed = await stack.server.store.acquireRefreshLease({
      userId: user.id,
      seenGeneration: 1,
      owner: 'crashed-instance',
      now: stack.clock.now(),
      leaseMs: 10_000,
    });
    expect(crashed.kind).toBe('acquired');

    stack.clock.advance(2 * HOUR); // the token expired, and the lease long ago
    expect((await stack.request('GET', '/api/profile', { token })).status).toBe(200);
    expect(stack.emulator.countOperation('refresh', 'ok')).toBe(1);
  });

  it('refreshes once when Tiki rejects an access token our clock still believes valid', async () => {
    const serverClock = createManualClock(Date.now());
    const tikiClock = createManualClock(serverClock.now());
    stack = await startStack({ clock: serverClock, emulator: { clock: tikiClock } });
    const token = await stack.loginToken();
    tikiClock.advance(HOUR + 1000); // Tiki's clock ahead of ours: the access token is dead for Tiki only

    const profile = await stack.request('GET', '/api/profile', { token });
    expect(profile.status).toBe(200);
    expect(stack.emulator.count('profile', 'invalid_token')).toBe(1);
    expect(stack.emulator.countOperation('refresh', 'ok')).toBe(1);
  });

  it('a dead refresh token gives tiki_reauth_required once, then the same answer without calling Tiki again', async () => {
    stack = await startStack();
    const token = await stack.loginToken();
    stack.emulator.revokeTokens({ customerId: 1 }); // the user withdrew consent in Tiki
    stack.clock.advance(2 * HOUR);

    const first = await stack.request('GET', '/api/profile', { token });
    expect(first.status).toBe(401);
    expect(errorOf(first).code).toBe('tiki_reauth_required');
    const second = await stack.request('GET', '/api/profile', { token });
    expect(errorOf(second).code).toBe('tiki_reauth_required');
    expect(stack.emulator.countOperation('refresh')).toBe(1);

    // Consent again: a new login brings working tokens back.
    const fresh = await stack.loginToken();
    expect((await stack.request('GET', '/api/profile', { token: fresh })).status).toBe(200);
  });

  it('a refresh whose response is lost after Tiki committed it: one 503, then consent is asked once, no loop', async () => {
    stack = await startStack();
    const token = await stack.loginToken();
    stack.clock.advance(2 * HOUR);
    stack.emulator.setFault({ route: 'refresh', kind: 'drop_response_after_commit', times: 1 });

    // We cannot tell a lost response from a request that never arrived: keep the old tokens, answer 503.
    const lost = await stack.request('GET', '/api/profile', { token });
    expect(lost.status).toBe(503);
    expect(errorOf(lost).code).toBe('upstream_unavailable');

    // The next request tries the old refresh token once; Tiki rotated it, so the user must consent again.
    const reauth = await stack.request('GET', '/api/profile', { token });
    expect(reauth.status).toBe(401);
    expect(errorOf(reauth).code).toBe('tiki_reauth_required');
    const still = await stack.request('GET', '/api/profile', { token });
    expect(errorOf(still).code).toBe('tiki_reauth_required');
    expect(stack.emulator.countOperation('refresh')).toBe(2);

    const fresh = await stack.loginToken();
    expect((await stack.request('GET', '/api/profile', { token: fresh })).status).toBe(200);
  });

  it('a refresh that failed before reaching Tiki is simply tried again by the next request', async () => {
    stack = await startStack();
    const token = await stack.loginToken();
    stack.clock.advance(2 * HOUR);
    stack.emulator.setFault({ route: 'refresh', kind: 'drop_connection', times: 1 });

    expect(errorOf(await stack.request('GET', '/api/profile', { token })).code).toBe('upstream_unavailable');
    expect((await stack.request('GET', '/api/profile', { token })).status).toBe(200);
    expect(stack.emulator.countOperation('refresh', 'ok')).toBe(1);
  });

  it('refreshes over the GraphQL transport too', async () => {
    stack = await startStack({ env: { TIKI_TRANSPORT: 'graphql' } });
    const token = await stack.loginToken();
    stack.clock.advance(2 * HOUR);
    expect((await stack.request('GET', '/api/profile', { token })).status).toBe(200);
    expect(stack.emulator.count('graphql', 'ok')).toBe(2);
    expect(stack.emulator.countOperation('refresh', 'ok')).toBe(1);
  });
});

describe.each(['rest', 'graphql'] as const)('Tiki’s refusals over the %s transport', (transport) => {
  it('an unknown code is invalid_auth_code and a dead refresh token is tiki_reauth_required', async () => {
    stack = await startStack({ env: { TIKI_TRANSPORT: transport } });
    expect(errorOf(await stack.login('never-issued.by-tiki-at-all')).code).toBe('invalid_auth_code');

    const token = await stack.loginToken();
    stack.emulator.revokeTokens({ customerId: 1 });
    stack.clock.advance(2 * HOUR);
    expect(errorOf(await stack.request('GET', '/api/profile', { token })).code).toBe('tiki_reauth_required');
    expect(errorOf(await stack.request('GET', '/api/profile', { token })).code).toBe('tiki_reauth_required');
    expect(stack.emulator.countOperation('refresh')).toBe(1);
  });
});
