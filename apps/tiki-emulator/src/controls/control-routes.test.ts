import { TIKI_PATHS } from '@tini-starter/tiki-platform/schemas';
import { describe, expect, it } from 'vitest';
import { createOffsetClock } from '../state/clock.ts';
import {
  control,
  DEV,
  ERROR_METADATA,
  exchange,
  json,
  login,
  me,
  OTHER_APP,
  signedPost,
  startEmulator,
} from '../testing/harness.ts';

describe('POST /__emulator/auth-codes (the user answering my.getAuthCode)', () => {
  it('answers exactly what the success callback receives: granted, not allowed ("1"), refused ("2")', async () => {
    const run = await startEmulator();
    const result = await control(run, 'POST', '/auth-codes', {
      clientId: DEV.clientId,
      customerId: 3,
      scopes: ['user_profile', 'offline', 'order_history'],
      deny: ['offline'],
    });
    expect(result.status).toBe(200);
    expect(result.body).toEqual({
      authCode: expect.stringMatching(/^[A-Za-z0-9_-]{14}\.[A-Za-z0-9_-]{43}$/),
      authSuccessScopes: ['user_profile'],
      authErrorScopes: { offline: '2', order_history: '1' },
    });
    const grant = await exchange(run, result.body.authCode as string);
    expect(grant.body.data).toMatchObject({
      scopes: ['user_profile'],
      customer: { id: 3, name: 'Trần Hưng Đạo' },
    });
    expect(grant.body.data).not.toHaveProperty('refresh_token');
  });

  it('accepts scopes as a single string, as my.getAuthCode does, and defaults to customer 1 and no scope', async () => {
    const run = await startEmulator();
    const one = await control(run, 'POST', '/auth-codes', { clientId: DEV.clientId, scopes: 'user_profile' });
    expect(one.body).toMatchObject({ authSuccessScopes: ['user_profile'], authErrorScopes: {} });
    const none = await control(run, 'POST', '/auth-codes', { clientId: DEV.clientId });
    expect(none.body).toMatchObject({ authSuccessScopes: [], authErrorScopes: {} });
    const grant = await exchange(run, none.body.authCode as string);
    expect(grant.body.data).toMatchObject({ scopes: [], customer: { id: 1, name: 'Ti Ni' } });
  });

  it('allows any origin (the Tini Studio simulator) and answers the preflight', async () => {
    const run = await startEmulator();
    const preflight = await fetch(`${run.origin}/__emulator/auth-codes`, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:1234', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-methods')).toBe('GET, POST, OPTIONS');
    expect(preflight.headers.get('access-control-allow-headers')).toBe('content-type');
    const post = await control(run, 'POST', '/auth-codes', { clientId: DEV.clientId });
    expect(post.headers.get('access-control-allow-origin')).toBe('*');
  });

  it.each([
    ['an unknown app', { clientId: 'nobody' }, 'invalid_client', 'unknown client id "nobody"'],
    [
      'an unknown customer',
      { clientId: DEV.clientId, customerId: 999 },
      'invalid_request',
      'unknown customer id 999',
    ],
    ['no clientId', { scopes: [] }, 'invalid_request', /^field "clientId": /],
    [
      'an unexpected field',
      { clientId: DEV.clientId, scope: 'user_profile' },
      'invalid_request',
      /^body: Unrecognized key/,
    ],
  ])('rejects %s with an envelope', async (_name, body, reason, message) => {
    const run = await startEmulator();
    const result = await control(run, 'POST', '/auth-codes', body);
    expect(result.status).toBe(400);
    expect(result.body).toEqual({
      data: null,
      error: {
        code: 400,
        reason,
        message: typeof message === 'string' ? message : expect.stringMatching(message),
        metadata: ERROR_METADATA,
      },
    });
  });

  it('rejects a body that is not JSON with an envelope', async () => {
    const run = await startEmulator();
    const response = await fetch(`${run.origin}/__emulator/auth-codes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"clientId":',
    });
    expect(response.status).toBe(400);
    expect(await json(response)).toEqual({
      data: null,
      error: {
        code: 400,
        reason: 'invalid_request',
        message: 'the body is not valid JSON',
        metadata: ERROR_METADATA,
      },
    });
  });
});

describe('control bodies are read as strictly as Tiki bodies', () => {
  async function post(body: string | Uint8Array, headers: Record<string, string> = {}) {
    const run = await startEmulator();
    const response = await fetch(`${run.origin}/__emulator/auth-codes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
    return { status: response.status, body: await json(response) };
  }
  const error = (code: number, message: string) => ({
    data: null,
    error: { code, reason: 'invalid_request', message, metadata: ERROR_METADATA },
  });

  it.each([
    ['JSON null', 'null', 'body: Invalid input: expected object, received null'],
    ['a JSON string', '"tini-starter-dev"', 'body: Invalid input: expected object, received string'],
    ['an empty body', '', 'the body is empty; expected a JSON object'],
  ])('rejects %s naming what is wrong', async (_name, body, message) => {
    expect(await post(body)).toEqual({ status: 400, body: error(400, message) });
  });

  it('rejects bytes that are not UTF-8 instead of reading them lossily', async () => {
    const bytes = Buffer.concat([Buffer.from('{"clientId":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    expect(await post(bytes)).toEqual({ status: 400, body: error(400, 'the body is not valid UTF-8') });
  });

  it('answers 415 for a compressed body (it used to be a 500 with a stack trace on the console)', async () => {
    const result = await post('{}', { 'content-encoding': 'gzip' });
    expect(result).toEqual({
      status: 415,
      body: error(415, 'compressed bodies are not accepted: send the JSON bytes that were signed'),
    });
  });
});

describe('/__emulator/faults', () => {
  it('sets, lists and clears faults over HTTP', async () => {
    const run = await startEmulator();
    const tokens = await login(run);
    const set = await control(run, 'POST', '/faults', [
      { route: 'me', kind: 'status', status: 503, times: 1 },
      { route: '*', kind: 'latency', ms: 1 },
    ]);
    expect(set.body).toEqual({
      faults: [
        { route: 'me', kind: 'status', status: 503, times: 1 },
        { route: '*', kind: 'latency', ms: 1 },
      ],
    });
    expect((await me(run, tokens.access_token)).status).toBe(503);
    expect((await control(run, 'GET', '/faults')).body).toEqual({
      faults: [{ route: '*', kind: 'latency', ms: 1 }],
    });
    expect((await control(run, 'DELETE', '/faults?route=*')).body).toEqual({ faults: [] });
    await control(run, 'POST', '/faults', { route: 'token', kind: 'drop_connection' });
    expect((await control(run, 'DELETE', '/faults')).body).toEqual({ faults: [] });
  });

  it('rejects an invalid fault', async () => {
    const run = await startEmulator();
    const result = await control(run, 'POST', '/faults', { route: 'token', kind: 'status', status: 200 });
    expect(result.status).toBe(400);
    expect(result.body.error).toMatchObject({
      reason: 'invalid_request',
      message: expect.stringMatching(/^field "status"/),
    });
    expect((await control(run, 'DELETE', '/faults?route=nope')).status).toBe(400);
  });
});

describe('/__emulator/clock', () => {
  it('moves the manual clock the emulator was given: codes expire', async () => {
    const run = await startEmulator();
    const code = run.emulator.issueAuthCode({ clientId: DEV.clientId }).authCode;
    const moved = await control(run, 'POST', '/clock', { advanceMs: 61_000 });
    expect(moved.body).toEqual({
      nowMs: run.clock.now(),
      now: new Date(run.clock.now()).toISOString(),
      adjustable: true,
    });
    expect(run.clock.now()).toBe(Date.UTC(2026, 10, 25, 9, 1, 1));
    expect((await exchange(run, code)).body.error?.reason).toBe('invalid_code');
    await control(run, 'POST', '/clock', { nowMs: Date.UTC(2030, 0, 1) });
    expect((await control(run, 'GET', '/clock')).body).toMatchObject({
      now: '2030-01-01T00:00:00.000Z',
      adjustable: true,
    });
  });

  it('refuses to move a clock the emulator does not own', async () => {
    const run = await startEmulator({ clock: { now: () => Date.UTC(2026, 10, 25, 9) } });
    const result = await control(run, 'POST', '/clock', { advanceMs: 1000 });
    expect(result.status).toBe(409);
    expect(result.body.error).toMatchObject({ reason: 'clock_not_adjustable' });
    expect((await control(run, 'GET', '/clock')).body).toMatchObject({ adjustable: false });
  });

  it('with its own offset clock, expires tokens while signatures keep following real time', async () => {
    const clock = createOffsetClock();
    const run = await startEmulator({ clock, signatureClock: { now: () => Date.now() } });
    const tokens = await login(run);
    await control(run, 'POST', '/clock', { advanceMs: 3_600_000 });
    // Signed with the real time: the signature is fresh, the token is expired.
    const result = await me(run, tokens.access_token, { timestamp: Date.now() });
    expect(result.body.error).toEqual({
      code: 400,
      reason: 'invalid_token',
      message: 'invalid access token: expired',
      metadata: ERROR_METADATA,
    });
  });

  it('refuses to move the clock outside what a Date holds, so the page and GET /clock keep working', async () => {
    const run = await startEmulator();
    const nearDateLimit = 8.64e15 - 1;
    for (const body of [
      { advanceMs: 9_007_199_254_740_991 },
      { advanceMs: -run.clock.now() - 1 },
      // Accepted once, this left the clock a millisecond from Date's limit: it ran past it and GET /clock was 500.
      { nowMs: nearDateLimit },
    ]) {
      const result = await control(run, 'POST', '/clock', body);
      expect(result.status).toBe(400);
      expect(result.body.error).toMatchObject({
        reason: 'invalid_request',
        message: expect.stringMatching(
          /^the clock would move to -?\d+ ms, outside 0 to 253402300799999 \(1970 to the end of 9999/,
        ),
      });
    }
    expect(run.clock.now()).toBe(Date.UTC(2026, 10, 25, 9));
    expect((await control(run, 'GET', '/clock')).status).toBe(200);
    expect((await fetch(`${run.origin}/__emulator/`)).status).toBe(200);
  });

  it('rejects a body that is neither advanceMs nor nowMs', async () => {
    const run = await startEmulator();
    expect((await control(run, 'POST', '/clock', { advance: 1 })).status).toBe(400);
  });
});

describe('/__emulator/requests', () => {
  it('lists requests with verdicts, filters them, and never shows a credential', async () => {
    const run = await startEmulator();
    const tokens = await login(run);
    await me(run, tokens.access_token, {
      credentials: { clientId: DEV.clientId, clientSecret: OTHER_APP.clientSecret },
    });
    const all = await control(run, 'GET', '/requests');
    const requests = all.body.requests as Record<string, unknown>[];
    expect(requests).toEqual([
      {
        id: 1,
        at: run.clock.now(),
        method: 'POST',
        path: '/tiniapp-open-api/oauth/auth/token',
        route: 'token',
        operation: 'token',
        status: 200,
        verdict: 'ok',
        clientId: DEV.clientId,
      },
      {
        id: 2,
        at: run.clock.now(),
        method: 'POST',
        path: '/tiniapp-open-api/oauth/me',
        route: 'me',
        operation: 'me',
        status: 400,
        verdict: 'invalid_signature',
        message: expect.stringMatching(/^invalid signature \(signature_mismatch\)/),
        clientId: DEV.clientId,
        expectedPayload: `${run.clock.now()}.${DEV.clientId}.{"access_token":"${tokens.access_token.slice(0, 6)}…"}`,
        signatureProblem: 'signature_mismatch',
      },
    ]);
    expect(JSON.stringify(all.body)).not.toContain(tokens.access_token);
    const filtered = await control(run, 'GET', '/requests?route=me&verdict=invalid_signature');
    expect((filtered.body.requests as unknown[]).length).toBe(1);
    // The verifier's reason, which the README tells people to look for, filters too.
    const byProblem = await control(run, 'GET', '/requests?verdict=signature_mismatch');
    expect((byProblem.body.requests as { id: number }[]).map((r) => r.id)).toEqual([2]);
    await control(run, 'DELETE', '/requests');
    // Only the clearing call itself remains (control calls that change something are logged).
    expect(run.emulator.requests().map((r) => [r.method, r.path, r.route])).toEqual([
      ['DELETE', '/__emulator/requests', 'emulator'],
    ]);
    expect(run.emulator.count('token')).toBe(0);
  });

  it('keeps only the last requests, but counts every one', async () => {
    const run = await startEmulator({ requestLogSize: 3 });
    for (let i = 0; i < 5; i += 1) await signedPost(run, TIKI_PATHS.me, '{}');
    expect(run.emulator.requests().map((r) => r.id)).toEqual([3, 4, 5]);
    expect(run.emulator.count('me', 'invalid_request')).toBe(5);
    expect(run.emulator.count('*')).toBe(5);
  });
});

describe('other controls', () => {
  it('revokes every token of a customer (the user withdrawing consent)', async () => {
    const run = await startEmulator();
    const tokens = await login(run);
    expect((await control(run, 'POST', '/revocations', { customerId: 1 })).body).toEqual({
      revokedFamilies: 1,
    });
    expect((await me(run, tokens.access_token)).body.error?.message).toBe(
      'invalid access token: revoked (revoked by the emulator controls)',
    );
  });

  it('adds a customer', async () => {
    const run = await startEmulator();
    await control(run, 'POST', '/customers', { id: 42, name: 'Võ Thị Sáu' });
    const code = run.emulator.issueAuthCode({ clientId: DEV.clientId, customerId: 42 }).authCode;
    expect((await exchange(run, code)).body.data?.customer).toEqual({ id: 42, name: 'Võ Thị Sáu' });
  });

  it('answers the state as JSON without secrets, credentials masked', async () => {
    const run = await startEmulator();
    const tokens = await login(run);
    const state = await control(run, 'GET', '/state');
    const text = JSON.stringify(state.body);
    expect(text).not.toContain(DEV.clientSecret);
    expect(text).not.toContain(tokens.access_token);
    expect(text).toContain(`${tokens.access_token.slice(0, 6)}…`);
    expect(state.body.apps).toEqual([
      { clientId: DEV.clientId, name: null, allowedScopes: ['user_profile', 'offline'] },
      { clientId: OTHER_APP.clientId, name: null, allowedScopes: ['user_profile', 'offline'] },
    ]);
  });

  it('answers an unknown control with a 404 envelope', async () => {
    const run = await startEmulator();
    const result = await control(run, 'POST', '/nothing', {});
    expect(result.status).toBe(404);
    expect(result.body).toEqual({
      data: null,
      error: {
        code: 404,
        reason: 'not_found',
        message: 'no emulator control POST /__emulator/nothing',
        metadata: ERROR_METADATA,
      },
    });
  });
});
