/** Tiki down, slow or failing: every call has a deadline, only idempotent reads are retried (at most twice). */
import { afterEach, describe, expect, it } from 'vitest';
import { closeAndExpectNoLeak, errorOf, type Stack, startStack } from '../src/testing/harness.ts';

let stack: Stack;
// The leak check of every flow in this file: no Tiki token, code, secret or signature in a log line or an
// answer, and no session token in a log line.
afterEach(() => closeAndExpectNoLeak(stack));

describe('when Tiki misbehaves', () => {
  it('answers 503 when Tiki is not listening at all, and keeps serving what needs no Tiki', async () => {
    stack = await startStack();
    const token = await stack.loginToken();
    const code = stack.authCode();
    await stack.emulator.close();

    const login = await stack.login(code);
    expect(login.status).toBe(503);
    expect(errorOf(login).code).toBe('upstream_unavailable');
    expect((await stack.request('GET', '/api/profile', { token })).status).toBe(503);
    expect((await stack.request('GET', '/api/me', { token })).status).toBe(200);
    expect((await stack.request('GET', '/readyz')).status).toBe(200);
  });

  it('gives up on a call past TIKI_TIMEOUT_MS with 503 and does not retry a timed-out read', async () => {
    // Log in with the default deadline (a loaded machine may need more than 300 ms), then restart with a short
    // one; the fault's latency is far past it, so no timing can make this test pass or fail by chance.
    stack = await startStack();
    const token = await stack.loginToken();
    await stack.restartServer({ TIKI_TIMEOUT_MS: '300' });
    stack.emulator.setFault({ route: 'profile', kind: 'latency', ms: 60_000, times: 1 });

    const slow = await stack.request('GET', '/api/profile', { token });
    expect(slow.status).toBe(503);
    expect(errorOf(slow).code).toBe('upstream_unavailable');
    expect(stack.recorder.tikiCalls.filter((path) => path.endsWith('/customers/profile'))).toHaveLength(1);
  });

  it('does not retry an exchange that passed its deadline (a second exchange could revoke the first)', async () => {
    stack = await startStack({ env: { TIKI_TIMEOUT_MS: '300' } });
    stack.emulator.setFault({ route: 'token', kind: 'latency', ms: 60_000, times: 1 });
    const slow = await stack.login(stack.authCode());
    expect(slow.status).toBe(503);
    expect(stack.recorder.tikiCalls.filter((path) => path.endsWith('/oauth/auth/token'))).toHaveLength(1);
  });

  it('retries a read answered with 5xx at most twice, then answers 503', async () => {
    stack = await startStack();
    const token = await stack.loginToken();
    stack.emulator.setFault({ route: 'profile', kind: 'status', status: 503 });

    const failing = await stack.request('GET', '/api/profile', { token });
    expect(failing.status).toBe(503);
    expect(errorOf(failing).code).toBe('upstream_unavailable');
    expect(stack.emulator.count('profile')).toBe(3);
  });

  it('a read that fails twice with 5xx and then succeeds is answered 200', async () => {
    stack = await startStack();
    const token = await stack.loginToken();
    stack.emulator.setFault({ route: 'profile', kind: 'status', status: 502, times: 2 });

    expect((await stack.request('GET', '/api/profile', { token })).status).toBe(200);
    expect(stack.emulator.count('profile')).toBe(3);
  });

  it('answers 503 when Tiki says 429 (it is shedding load), without retrying', async () => {
    stack = await startStack();
    const token = await stack.loginToken();
    stack.emulator.setFault({ route: 'profile', kind: 'status', status: 429, times: 1 });

    expect(errorOf(await stack.request('GET', '/api/profile', { token })).code).toBe('upstream_unavailable');
    expect(stack.emulator.count('profile')).toBe(1);
    expect((await stack.request('GET', '/api/profile', { token })).status).toBe(200);
  });

  it('never retries a refresh answered with 5xx: one call, 503, tokens kept for the next request', async () => {
    stack = await startStack();
    const token = await stack.loginToken();
    stack.clock.advance(2 * 3600_000);
    stack.emulator.setFault({ route: 'refresh', kind: 'status', status: 500, times: 1 });

    expect(errorOf(await stack.request('GET', '/api/profile', { token })).code).toBe('upstream_unavailable');
    expect(stack.emulator.countOperation('refresh')).toBe(1);
    expect((await stack.request('GET', '/api/profile', { token })).status).toBe(200);
    expect(stack.emulator.countOperation('refresh', 'ok')).toBe(1);
  });

  it('a lost exchange response (Tiki committed the code) is 503, and the retry with that code is refused by Tiki', async () => {
    stack = await startStack();
    const code = stack.authCode();
    stack.emulator.setFault({ route: 'token', kind: 'drop_response_after_commit', times: 1 });
    expect(errorOf(await stack.login(code)).code).toBe('upstream_unavailable');
    const retry = await stack.login(code);
    expect(retry.status).toBe(401);
    expect(errorOf(retry).code).toBe('invalid_auth_code');
    // With a new code (consent again) the user gets in.
    expect((await stack.login(stack.authCode())).status).toBe(200);
  });
});
