import {
  LoginResponseSchema,
  MeResponseSchema,
  ProfileResponseSchema,
} from '@tini-starter/api-contract/auth';
import { afterEach, describe, expect, it } from 'vitest';
import { hashSecret } from '../src/auth/secrets.ts';
import { closeAndExpectNoLeak, errorOf, type Stack, startStack } from '../src/testing/harness.ts';

let stack: Stack;
// The leak check of every flow in this file: no Tiki token, code, secret or signature in a log line or an
// answer, and no session token in a log line.
afterEach(() => closeAndExpectNoLeak(stack));

describe.each(['rest', 'graphql'] as const)('the happy path over the %s transport', (transport) => {
  it('exchanges the code once, opens a session, and serves /api/me and /api/profile with it', async () => {
    stack = await startStack({ env: { TIKI_TRANSPORT: transport } });
    const login = await stack.login(stack.authCode());

    expect(login.status).toBe(200);
    expect(login.headers.get('cache-control')).toBe('no-store');
    expect(login.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const session = LoginResponseSchema.parse(login.body);
    expect(session.user).toMatchObject({ tikiCustomerId: 1, name: 'Ti Ni' });
    expect([...session.scopes].sort()).toEqual(['offline', 'user_profile']);
    expect(Date.parse(session.expiresAt)).toBe(stack.clock.now() + stack.server.config.session.maxAgeMs);
    expect(stack.emulator.countOperation('token', 'ok')).toBe(1);
    expect(stack.emulator.count(transport === 'rest' ? 'token' : 'graphql', 'ok')).toBe(1);

    const me = await stack.request('GET', '/api/me', { token: session.token });
    expect(me.status).toBe(200);
    expect(me.headers.get('cache-control')).toBe('no-store');
    expect(MeResponseSchema.parse(me.body)).toEqual({ user: session.user, scopes: session.scopes });

    const profile = await stack.request('GET', '/api/profile', { token: session.token });
    expect(profile.status).toBe(200);
    expect(ProfileResponseSchema.parse(profile.body).profile).toMatchObject({ id: 1, name: 'Ti Ni' });

    // The answers hold our session only: nothing of Tiki's credentials (the leak check covers the logs too).
    // Recorded from the wire: client secret, code, access and refresh tokens, and at least one signature.
    expect(stack.recorder.secrets.size).toBeGreaterThanOrEqual(5);
    expect([...stack.recorder.secrets].some((secret) => /^[0-9a-f]{64}$/.test(secret))).toBe(true);
  });
});

describe('login', () => {
  it('opens a new session at every login, and the same user keeps one id', async () => {
    stack = await startStack();
    const first = LoginResponseSchema.parse((await stack.login(stack.authCode())).body);
    const second = LoginResponseSchema.parse((await stack.login(stack.authCode())).body);
    expect(second.token).not.toBe(first.token);
    expect(second.user.id).toBe(first.user.id);
    expect((await stack.request('GET', '/api/me', { token: first.token })).status).toBe(200);
    expect((await stack.request('GET', '/api/me', { token: second.token })).status).toBe(200);
  });

  it('a user who refused user_profile logs in with the other scopes and gets scope_missing for the profile, without a Tiki call', async () => {
    stack = await startStack();
    const login = await stack.login(
      stack.authCode({ scopes: ['user_profile', 'offline'], deny: ['user_profile'] }),
    );
    expect(login.status).toBe(200);
    const session = LoginResponseSchema.parse(login.body);
    expect(session.scopes).toEqual(['offline']);

    const profile = await stack.request('GET', '/api/profile', { token: session.token });
    expect(profile.status).toBe(403);
    expect(errorOf(profile).code).toBe('scope_missing');
    expect(stack.emulator.count('profile')).toBe(0);
  });

  it('a user who refused offline gets tiki_reauth_required once the access token expires (there is nothing to refresh with)', async () => {
    stack = await startStack();
    const token = await stack.loginToken({ scopes: ['user_profile'] });
    expect((await stack.request('GET', '/api/profile', { token })).status).toBe(200);

    stack.clock.advance(3600_000);
    const expired = await stack.request('GET', '/api/profile', { token });
    expect(expired.status).toBe(401);
    expect(errorOf(expired).code).toBe('tiki_reauth_required');
    expect(stack.emulator.countOperation('refresh')).toBe(0);
    // /api/me does not need Tiki: the session still answers, with no scopes left.
    const me = await stack.request('GET', '/api/me', { token });
    expect(me.status).toBe(200);
    expect(MeResponseSchema.parse(me.body).scopes).toEqual([]);
  });

  it('an unknown code is refused with invalid_auth_code (Tiki says invalid_code)', async () => {
    stack = await startStack();
    const login = await stack.login('CDKJfdkj4528KJ.eCZa27znIuM8JGC-IUSM-S_G_YrgP7OH8BTGdba706E');
    expect(login.status).toBe(401);
    expect(errorOf(login).code).toBe('invalid_auth_code');
    expect(stack.emulator.countOperation('token', 'invalid_code')).toBe(1);
  });

  it('an expired code is refused with invalid_auth_code', async () => {
    stack = await startStack();
    const code = stack.authCode();
    stack.clock.advance(61_000);
    const login = await stack.login(code);
    expect(login.status).toBe(401);
    expect(errorOf(login).code).toBe('invalid_auth_code');
  });

  it('logout ends the session at once; other sessions live on', async () => {
    stack = await startStack();
    const kept = await stack.loginToken();
    const token = await stack.loginToken();
    const logout = await stack.request('POST', '/api/auth/logout', { token });
    expect(logout.status).toBe(204);
    expect(logout.text).toBe('');
    const after = await stack.request('GET', '/api/me', { token });
    expect(after.status).toBe(401);
    expect(errorOf(after).code).toBe('unauthenticated');
    expect((await stack.request('POST', '/api/auth/logout', { token })).status).toBe(401);
    expect((await stack.request('GET', '/api/me', { token: kept })).status).toBe(200);
  });

  it("ending a user's last session, by logout or by expiry, deletes their Tiki tokens", async () => {
    stack = await startStack({ env: { SESSION_IDLE_TIMEOUT_MS: '3600000' } });
    const userId = async (token: string) =>
      ((await stack.request('GET', '/api/me', { token })).body as { user: { id: string } }).user.id;
    const phone = await stack.loginToken();
    const tablet = await stack.loginToken();
    const id = await userId(phone);
    await stack.request('POST', '/api/auth/logout', { token: phone });
    expect(await stack.server.store.getTikiTokens(id)).not.toBeNull(); // the tablet still uses them
    await stack.request('POST', '/api/auth/logout', { token: tablet });
    expect(await stack.server.store.getTikiTokens(id)).toBeNull();

    const idle = await stack.loginToken();
    expect(await stack.server.store.getTikiTokens(id)).not.toBeNull();
    stack.clock.advance(3_600_000);
    expect(errorOf(await stack.request('GET', '/api/me', { token: idle })).code).toBe('unauthenticated');
    expect(await stack.server.store.getTikiTokens(id)).toBeNull();
  });
});

describe('a code is exchanged with Tiki once', () => {
  it('concurrent submissions of one code make one exchange and each gets its own session', async () => {
    stack = await startStack();
    const code = stack.authCode();
    const answers = await Promise.all(Array.from({ length: 5 }, () => stack.login(code)));

    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200]);
    const sessions = answers.map((answer) => LoginResponseSchema.parse(answer.body));
    expect(new Set(sessions.map((s) => s.token)).size).toBe(5);
    expect(new Set(sessions.map((s) => s.user.id)).size).toBe(1);
    expect(stack.emulator.countOperation('token')).toBe(1);
  });

  it('a later resubmission is refused by the server without reaching Tiki, and the first login keeps working', async () => {
    stack = await startStack();
    const code = stack.authCode();
    const first = LoginResponseSchema.parse((await stack.login(code)).body);

    const again = await stack.login(code);
    expect(again.status).toBe(401);
    expect(errorOf(again).code).toBe('invalid_auth_code');
    expect(stack.emulator.countOperation('token')).toBe(1);
    // Tiki never saw the reuse, so it revoked nothing: the first login's tokens still work.
    expect((await stack.request('GET', '/api/profile', { token: first.token })).status).toBe(200);
  });

  it('the refusal survives a restart (the store remembers the code, as a hash)', async () => {
    stack = await startStack();
    const code = stack.authCode();
    expect((await stack.login(code)).status).toBe(200);
    await stack.restartServer();

    const again = await stack.login(code);
    expect(again.status).toBe(401);
    expect(errorOf(again).code).toBe('invalid_auth_code');
    expect(stack.emulator.countOperation('token')).toBe(1);
  });

  it('a code refused by Tiki is refused again without asking Tiki twice', async () => {
    stack = await startStack();
    const code = 'not-a-code-Tiki-issued.xxxxxxxxxxxxxxxx';
    stack.recorder.addSecret(code);
    expect(errorOf(await stack.login(code)).code).toBe('invalid_auth_code');
    expect(errorOf(await stack.login(code)).code).toBe('invalid_auth_code');
    expect(stack.emulator.countOperation('token')).toBe(1);
  });

  it('a code Tiki refused because our server was misconfigured (wrong secret) still logs in once it is fixed', async () => {
    const wrongSecret = 'not-the-secret-tiki-registered-for-this-app';
    stack = await startStack({ env: { TIKI_CLIENT_SECRET: wrongSecret } });
    stack.recorder.addSecret(wrongSecret);
    const code = stack.authCode();
    expect(errorOf(await stack.login(code)).code).toBe('internal');
    expect(stack.emulator.countOperation('token', 'invalid_signature')).toBe(1);

    await stack.restartServer({}); // the operator sets the right secret
    const retried = await stack.login(code);
    expect(retried.status).toBe(200);
    expect(stack.emulator.countOperation('token', 'ok')).toBe(1);
  });

  it('a code whose exchange Tiki answered with 5xx (nothing committed) can be submitted again', async () => {
    stack = await startStack();
    const code = stack.authCode();
    stack.emulator.setFault({ route: 'token', kind: 'status', status: 502, times: 1 });
    expect(errorOf(await stack.login(code)).code).toBe('upstream_unavailable');
    expect((await stack.login(code)).status).toBe(200);
    expect(stack.emulator.countOperation('token', 'ok')).toBe(1);
  });

  it('a code whose exchange succeeded but /oauth/me then failed is spent: 503, then refused without Tiki', async () => {
    stack = await startStack();
    const code = stack.authCode();
    stack.emulator.setFault({ route: 'me', kind: 'status', status: 503 });
    expect(errorOf(await stack.login(code)).code).toBe('upstream_unavailable');
    expect(stack.emulator.count('me')).toBe(3); // a read: retried twice

    stack.emulator.clearFaults();
    expect(errorOf(await stack.login(code)).code).toBe('invalid_auth_code');
    expect(stack.emulator.countOperation('token')).toBe(1);
  });

  it('a code whose exchange never reached Tiki (connection dropped) can be submitted again', async () => {
    stack = await startStack();
    const code = stack.authCode();
    stack.emulator.setFault({ route: 'token', kind: 'drop_connection', times: 1 });
    const dropped = await stack.login(code);
    expect(dropped.status).toBe(503);
    expect(errorOf(dropped).code).toBe('upstream_unavailable');

    const retried = await stack.login(code);
    expect(retried.status).toBe(200);
    expect(stack.emulator.countOperation('token', 'ok')).toBe(1);
  });

  /** What an instance killed mid-exchange leaves behind: the code claimed, pending, for the claim's lifetime. */
  async function claimedByACrashedInstance(code: string) {
    const claimMs = 25_000; // the default claim: (2 + TIKI_READ_RETRIES) x TIKI_TIMEOUT_MS + 5 s
    await stack.server.store.claimAuthCode(hashSecret(code), {
      owner: 'killed',
      now: stack.clock.now(),
      claimMs,
    });
    return claimMs;
  }

  it('after a crash mid-exchange, a retry waits for the claim to expire, then exchanges the code itself', async () => {
    stack = await startStack();
    const code = stack.authCode();
    const claimMs = await claimedByACrashedInstance(code);
    const retry = stack.login(code);
    await new Promise((resolve) => setTimeout(resolve, 200)); // the retry is waiting on the claim
    expect(stack.emulator.countOperation('token')).toBe(0);
    stack.clock.advance(claimMs);
    expect((await retry).status).toBe(200);
    expect(stack.emulator.countOperation('token', 'ok')).toBe(1);
  });

  it('a retry after the crashed claim expired exchanges at once, not "already used"', async () => {
    stack = await startStack();
    const code = stack.authCode({});
    const claimMs = await claimedByACrashedInstance(code);
    stack.clock.advance(claimMs + 1);
    expect((await stack.login(code)).status).toBe(200);
    expect(stack.emulator.countOperation('token', 'ok')).toBe(1);
  });
});

describe('logging', () => {
  it('puts a request id on every line of a request, including the refresh it triggered', async () => {
    stack = await startStack();
    const token = await stack.loginToken();
    stack.clock.advance(2 * 3600_000);
    await stack.request('GET', '/api/profile', { token, headers: { 'x-request-id': 'profile-req-1' } });

    const lines = stack.recorder.logLines.map((line) => JSON.parse(line) as { reqId?: string; msg: string });
    expect(lines.length).toBeGreaterThan(3);
    for (const line of lines) expect(line.reqId, line.msg).toBeTruthy();
    expect(lines.filter((line) => line.reqId === 'profile-req-1').map((line) => line.msg)).toContain(
      'tiki access token refreshed',
    );
  });

  it('records each login on one line with its request id, user and scopes, and nothing else', async () => {
    stack = await startStack();
    const login = await stack.request('POST', '/api/auth/login', {
      json: { authCode: stack.authCode() },
      headers: { 'x-request-id': 'login-req-2' },
    });
    const userId = (login.body as { user: { id: string } }).user.id;
    const lines = stack.recorder.logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const recorded = lines.filter((line) => line.msg === 'tiki auth code exchanged');
    expect(recorded).toEqual([
      {
        level: 30,
        time: expect.any(Number),
        pid: process.pid,
        reqId: 'login-req-2',
        userId,
        scopes: ['user_profile', 'offline'],
        msg: 'tiki auth code exchanged',
      },
    ]);
    expect(stack.recorder.leaks()).toEqual([]);
  });

  it('sends its request id to Tiki with every call, so the emulator’s request log shows the same id', async () => {
    stack = await startStack();
    const login = await stack.request('POST', '/api/auth/login', {
      json: { authCode: stack.authCode() },
      headers: { 'x-request-id': 'login-req-1' },
    });
    const token = (login.body as { token: string }).token;
    stack.clock.advance(2 * 3600_000);
    await stack.request('GET', '/api/profile', { token, headers: { 'x-request-id': 'profile-req-1' } });
    expect(stack.emulator.requests().map((r) => [r.operation, r.requestId])).toEqual([
      ['token', 'login-req-1'],
      ['me', 'login-req-1'],
      ['refresh', 'profile-req-1'],
      ['profile', 'profile-req-1'],
    ]);
  });

  it('the leak check itself catches a Tiki secret in a log line or an answer’s header, and a session token in a log line', async () => {
    stack = await startStack();
    const session = await stack.loginToken();
    const { recorder } = stack;
    const [secret] = [...recorder.secrets].filter((s) => !s.startsWith('dev-only'));
    if (secret === undefined) throw new Error('no Tiki secret was recorded from the wire');
    expect(recorder.leaks()).toEqual([]);

    recorder.logLines.push(`{"msg":"oops ${secret}"}`);
    expect(recorder.leaks()).toEqual([secret]);
    recorder.logLines.pop();

    recorder.recordResponse(new Response('{}', { headers: { 'x-debug': secret } }), '{}');
    expect(recorder.leaks()).toEqual([secret]);
    recorder.responseBodies.pop();

    recorder.logLines.push(`{"msg":"issued ${session}"}`);
    expect(recorder.leaks()).toEqual([session]);
    recorder.logLines.pop();
  });
});
