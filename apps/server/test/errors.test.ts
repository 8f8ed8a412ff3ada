/** Every error code of the contract, each produced by its real cause, in the one shape the mini app reads. */
import { ERROR_STATUS, ErrorBodySchema } from '@tini-starter/api-contract/errors';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ApiResponse,
  closeAndExpectNoLeak,
  errorOf,
  type Stack,
  startStack,
} from '../src/testing/harness.ts';

let stack: Stack;
// The leak check of every flow in this file: no Tiki token, code, secret or signature in a log line or an
// answer, and no session token in a log line.
afterEach(() => closeAndExpectNoLeak(stack));

function expectError(response: ApiResponse, code: keyof typeof ERROR_STATUS) {
  expect(response.status).toBe(ERROR_STATUS[code]);
  expect(ErrorBodySchema.parse(response.body).error.code).toBe(code);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
}

describe('invalid_request (400)', () => {
  it('names the problem with the zod issues when the body is not { authCode: string }', async () => {
    stack = await startStack();
    const missing = await stack.request('POST', '/api/auth/login', { json: { code: 'x' } });
    expectError(missing, 'invalid_request');
    expect(errorOf(missing).details).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: ['authCode'] }),
        expect.objectContaining({ code: 'unrecognized_keys' }),
      ]),
    );
    expectError(
      await stack.request('POST', '/api/auth/login', { json: { authCode: '' } }),
      'invalid_request',
    );
    expectError(
      await stack.request('POST', '/api/auth/login', { json: { authCode: 42 } }),
      'invalid_request',
    );
    expect(stack.emulator.count('*')).toBe(0);
  });

  it('refuses malformed JSON and a missing body', async () => {
    stack = await startStack();
    const malformed = await stack.request('POST', '/api/auth/login', {
      body: '{"authCode": ',
      headers: { 'content-type': 'application/json' },
    });
    expectError(malformed, 'invalid_request');
    expectError(await stack.request('POST', '/api/auth/login'), 'invalid_request');
  });

  it('refuses a body whose Content-Encoding does not decode (a bad request, not a server error)', async () => {
    stack = await startStack();
    const garbled = await stack.request('POST', '/api/auth/login', {
      body: '{"authCode":"x"}',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    });
    expectError(garbled, 'invalid_request');
    expect(stack.recorder.logLines.some((line) => line.includes('"level":50'))).toBe(false);
  });
});

describe('unauthenticated (401)', () => {
  it('answers a missing, malformed or unknown session token', async () => {
    stack = await startStack();
    expectError(await stack.request('GET', '/api/me'), 'unauthenticated');
    expectError(
      await stack.request('GET', '/api/me', { headers: { authorization: 'Basic abc' } }),
      'unauthenticated',
    );
    expectError(await stack.request('GET', '/api/me', { token: 'short' }), 'unauthenticated');
    expectError(await stack.request('GET', '/api/profile', { token: 'A'.repeat(43) }), 'unauthenticated');
  });

  it('ends a session left idle past SESSION_IDLE_TIMEOUT_MS, and use keeps it alive', async () => {
    stack = await startStack({ env: { SESSION_IDLE_TIMEOUT_MS: '600000' } });
    const token = await stack.loginToken();
    for (let i = 0; i < 3; i++) {
      stack.clock.advance(500_000);
      expect((await stack.request('GET', '/api/me', { token })).status).toBe(200);
    }
    stack.clock.advance(600_000);
    expectError(await stack.request('GET', '/api/me', { token }), 'unauthenticated');
  });

  it('keeps a session used every half idle limit alive, even with an idle limit as short as one minute', async () => {
    stack = await startStack({ env: { SESSION_IDLE_TIMEOUT_MS: '60000' } });
    const token = await stack.loginToken();
    for (let i = 0; i < 5; i++) {
      stack.clock.advance(30_000);
      expect((await stack.request('GET', '/api/me', { token })).status).toBe(200);
    }
    stack.clock.advance(60_000);
    expectError(await stack.request('GET', '/api/me', { token }), 'unauthenticated');
  });

  it('ends a session at SESSION_MAX_AGE_MS however active it is', async () => {
    stack = await startStack({ env: { SESSION_IDLE_TIMEOUT_MS: '600000', SESSION_MAX_AGE_MS: '1200000' } });
    const token = await stack.loginToken();
    stack.clock.advance(590_000);
    expect((await stack.request('GET', '/api/me', { token })).status).toBe(200);
    stack.clock.advance(590_000);
    expect((await stack.request('GET', '/api/me', { token })).status).toBe(200);
    stack.clock.advance(20_000);
    expectError(await stack.request('GET', '/api/me', { token }), 'unauthenticated');
  });
});

describe('the other codes', () => {
  it('invalid_auth_code (401) for a code Tiki does not know', async () => {
    stack = await startStack();
    expectError(await stack.login('made-up.code-that-tiki-never-issued'), 'invalid_auth_code');
  });

  it('tiki_reauth_required (401) when Tiki no longer accepts the user’s tokens', async () => {
    stack = await startStack();
    const token = await stack.loginToken();
    stack.emulator.revokeTokens({ customerId: 1 });
    expectError(await stack.request('GET', '/api/profile', { token }), 'tiki_reauth_required');
  });

  it('scope_missing (403) when the user refused user_profile', async () => {
    stack = await startStack();
    const token = await stack.loginToken({ scopes: ['user_profile', 'offline'], deny: ['user_profile'] });
    expectError(await stack.request('GET', '/api/profile', { token }), 'scope_missing');
  });

  it('not_found (404) for an unknown route, in the same JSON shape', async () => {
    stack = await startStack();
    expectError(await stack.request('GET', '/api/nothing-here'), 'not_found');
    expectError(await stack.request('GET', '/api/auth/login'), 'not_found');
  });

  it('payload_too_large (413) past the auth routes’ small body limit', async () => {
    stack = await startStack();
    const huge = await stack.request('POST', '/api/auth/login', { json: { authCode: 'x'.repeat(10_000) } });
    expectError(huge, 'payload_too_large');
    expect(stack.emulator.count('*')).toBe(0);
  });

  it('unsupported_media_type (415) for a body that is not JSON', async () => {
    stack = await startStack();
    const form = await stack.request('POST', '/api/auth/login', {
      body: 'authCode=abc',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expectError(form, 'unsupported_media_type');
    const latin1 = await stack.request('POST', '/api/auth/login', {
      body: '{"authCode":"abc"}',
      headers: { 'content-type': 'application/json; charset=latin1' },
    });
    expectError(latin1, 'unsupported_media_type');
  });

  it('rate_limited (429) with Retry-After once a client IP passes LOGIN_RATE_LIMIT_MAX failed logins per window', async () => {
    stack = await startStack({ env: { LOGIN_RATE_LIMIT_MAX: '2', LOGIN_RATE_LIMIT_WINDOW_MS: '60000' } });
    // Successful logins do not count: many users behind one carrier-grade NAT address must not lock each other out.
    for (let i = 0; i < 3; i++) expect((await stack.login(stack.authCode())).status).toBe(200);
    // A refused code and a malformed request do.
    expect((await stack.login('unknown.code-for-the-limit')).status).toBe(401);
    const malformed = await stack.request('POST', '/api/auth/login', {
      body: 'authCode=x',
      headers: { 'content-type': 'text/plain' },
    });
    expectError(malformed, 'unsupported_media_type');
    const limited = await stack.login(stack.authCode());
    expectError(limited, 'rate_limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(stack.emulator.countOperation('token')).toBe(4);
  });

  it('takes a successful login back from the failed-login count exactly once', async () => {
    stack = await startStack({ env: { LOGIN_RATE_LIMIT_MAX: '3', LOGIN_RATE_LIMIT_WINDOW_MS: '60000' } });
    expect((await stack.login('unknown.code-one')).status).toBe(401); // count 1
    // Counted on arrival (2), taken back with the login's writes (1); taken back twice, it would be 0.
    expect((await stack.login(stack.authCode())).status).toBe(200);
    // Two submissions of one code in one process, counted on arrival (2, 3), share one exchange: one is taken
    // back with the login's writes, the other when its answer ends (1).
    const code = stack.authCode();
    const shared = await Promise.all([stack.login(code), stack.login(code)]);
    expect(shared.map((r) => r.status)).toEqual([200, 200]);
    expect(stack.emulator.countOperation('token')).toBe(3);
    expect((await stack.login('unknown.code-two')).status).toBe(401); // 2
    expect((await stack.login('unknown.code-three')).status).toBe(401); // 3
    expectError(await stack.login(stack.authCode()), 'rate_limited'); // a fourth attempt is one too many
  });

  it('ignores X-Forwarded-For unless TRUST_PROXY_HOPS says a proxy is in front', async () => {
    stack = await startStack({ env: { LOGIN_RATE_LIMIT_MAX: '1' } });
    const spoof = (ip: string) => ({
      json: { authCode: 'unknown.code' },
      headers: { 'x-forwarded-for': ip },
    });
    expect((await stack.request('POST', '/api/auth/login', spoof('10.0.0.1'))).status).toBe(401);
    expectError(await stack.request('POST', '/api/auth/login', spoof('10.0.0.2')), 'rate_limited');
  });

  it('counts clients by the address the trusted proxy reports when TRUST_PROXY_HOPS=1', async () => {
    stack = await startStack({ env: { LOGIN_RATE_LIMIT_MAX: '1', TRUST_PROXY_HOPS: '1' } });
    const via = (ip: string) => ({ json: { authCode: 'unknown.code' }, headers: { 'x-forwarded-for': ip } });
    expect((await stack.request('POST', '/api/auth/login', via('10.0.0.1'))).status).toBe(401);
    expect((await stack.request('POST', '/api/auth/login', via('10.0.0.2'))).status).toBe(401);
    expectError(await stack.request('POST', '/api/auth/login', via('10.0.0.1')), 'rate_limited');
  });

  it('upstream_unavailable (503) when Tiki is down, while what needs no Tiki keeps working', async () => {
    stack = await startStack();
    const token = await stack.loginToken();
    const code = stack.authCode();
    stack.emulator.setFault({ route: '*', kind: 'drop_connection' });
    expectError(await stack.login(code), 'upstream_unavailable');
    expectError(await stack.request('GET', '/api/profile', { token }), 'upstream_unavailable');
    expect((await stack.request('GET', '/api/me', { token })).status).toBe(200);
    expect((await stack.request('GET', '/healthz')).status).toBe(200);
    expect((await stack.request('GET', '/readyz')).status).toBe(200);
  });

  it('internal (500) with no stack or path when the server is misconfigured (Tiki refuses our signature)', async () => {
    stack = await startStack({ env: { TIKI_CLIENT_SECRET: 'not-the-secret-tiki-registered-for-this-app' } });
    stack.recorder.addSecret('not-the-secret-tiki-registered-for-this-app');
    const login = await stack.login(stack.authCode());
    expectError(login, 'internal');
    expect(login.body).toEqual({ error: { code: 'internal', message: 'Internal error' } });
    expect(stack.emulator.countOperation('token', 'invalid_signature')).toBe(1);
    // The log says what went wrong, for the operator.
    expect(stack.recorder.logLines.some((line) => line.includes('invalid_signature'))).toBe(true);
  });
});

describe('caching', () => {
  it('refusals of the session and login routes are no-store as well, like their successes', async () => {
    stack = await startStack();
    const refusals = [
      await stack.request('GET', '/api/me'),
      await stack.request('GET', '/api/profile', { token: 'A'.repeat(43) }),
      await stack.request('POST', '/api/auth/logout'),
      await stack.request('POST', '/api/auth/login', { json: {} }),
      await stack.login('made-up.code-that-tiki-never-issued'),
    ];
    expect(refusals.map((response) => response.status)).toEqual([401, 401, 401, 400, 401]);
    for (const response of refusals) expect(response.headers.get('cache-control')).toBe('no-store');
  });
});

describe('health', () => {
  it('/healthz is always 200; /readyz is 200 while the store answers and 503 once it does not', async () => {
    stack = await startStack();
    expect((await stack.request('GET', '/healthz')).body).toEqual({ status: 'ok' });
    expect((await stack.request('GET', '/readyz')).body).toEqual({ status: 'ready' });
    await stack.server.store.close();
    const ready = await stack.request('GET', '/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body).toEqual({ status: 'unavailable' });
    expect((await stack.request('GET', '/healthz')).status).toBe(200);
  });

  it('sets helmet’s headers and echoes a well-formed X-Request-Id', async () => {
    stack = await startStack();
    const response = await stack.request('GET', '/healthz', { headers: { 'x-request-id': 'trace-abc.123' } });
    expect(response.headers.get('x-request-id')).toBe('trace-abc.123');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('x-powered-by')).toBeNull();
    const injected = await stack.request('GET', '/healthz', {
      headers: { 'x-request-id': 'bad id\twith spaces' },
    });
    expect(injected.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
