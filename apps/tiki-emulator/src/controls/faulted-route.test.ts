import { TIKI_PATHS } from '@tini-starter/tiki-platform/schemas';
import { describe, expect, it } from 'vitest';
import {
  codeFor,
  DEV,
  ERROR_METADATA,
  exchange,
  graphql,
  login,
  me,
  profile,
  refresh,
  signedInput,
  signedPost,
  startEmulator,
} from '../testing/harness.ts';

describe('fault injection', () => {
  it('status with a reason: the envelope carries it, "" as a refusal without a reason', async () => {
    const run = await startEmulator();
    run.emulator.setFault({ route: 'token', kind: 'status', status: 400, reason: '', times: 1 });
    const faulted = await exchange(run, codeFor(run));
    expect([faulted.status, faulted.body.error?.reason]).toEqual([400, '']);
  });

  it('status: answers that status with an envelope, changes nothing, and counts down times', async () => {
    const run = await startEmulator();
    run.emulator.setFault({ route: 'token', kind: 'status', status: 503, times: 1 });
    const code = codeFor(run);
    const faulted = await exchange(run, code);
    expect(faulted.status).toBe(503);
    expect(faulted.body).toEqual({
      data: null,
      error: {
        code: 503,
        reason: 'emulated_fault',
        message: 'emulated fault: status 503',
        metadata: ERROR_METADATA,
      },
    });
    expect(run.emulator.requests().at(-1)).toMatchObject({
      route: 'token',
      status: 503,
      verdict: 'emulated_fault',
      fault: 'status 503',
    });
    expect(run.emulator.faults()).toEqual([]);
    expect((await exchange(run, code)).status).toBe(200);
  });

  it('drop_connection: the connection closes without a response and nothing changes', async () => {
    const run = await startEmulator();
    run.emulator.setFault({ route: 'token', kind: 'drop_connection', times: 1 });
    const code = codeFor(run);
    await expect(exchange(run, code)).rejects.toThrow(TypeError);
    expect(run.emulator.requests().at(-1)).toMatchObject({
      route: 'token',
      status: 0,
      verdict: 'emulated_fault',
      fault: 'drop_connection',
    });
    expect((await exchange(run, code)).status).toBe(200);
  });

  it('drop_response_after_commit: the refresh happens, the response is lost, the old token is dead', async () => {
    const run = await startEmulator();
    const tokens = await login(run);
    run.emulator.setFault({ route: 'refresh', kind: 'drop_response_after_commit', times: 1 });
    await expect(refresh(run, tokens.refresh_token ?? '')).rejects.toThrow(TypeError);
    expect(run.emulator.count('refresh', 'ok')).toBe(1);
    expect(run.emulator.requests().at(-1)).toMatchObject({
      status: 0,
      verdict: 'ok',
      fault: 'drop_response_after_commit',
    });
    // The client retries with the token it still has: a replay, which revokes the family.
    const retry = await refresh(run, tokens.refresh_token ?? '');
    expect(retry.body.error?.reason).toBe('invalid_token');
    expect((await me(run, tokens.access_token)).body.error?.reason).toBe('invalid_token');
  });

  it('latency: delays only the faulted route, without blocking other requests', async () => {
    const run = await startEmulator();
    const tokens = await login(run);
    run.emulator.setFault({ route: 'me', kind: 'latency', ms: 60_000, times: 1 });
    let slowDone = false;
    const slow = me(run, tokens.access_token).then(
      (answer) => answer,
      (error: unknown) => error,
    );
    void slow.finally(() => {
      slowDone = true;
    });
    // Other routes answer while the slow call waits.
    expect((await profile(run, `Bearer ${tokens.access_token}`)).status).toBe(200);
    expect((await exchange(run, codeFor(run))).status).toBe(200);
    expect(slowDone).toBe(false);
    expect(run.emulator.requests().filter((r) => r.route === 'me')).toHaveLength(0);
    // Closing the emulator aborts the pending delay instead of waiting a minute.
    await run.emulator.close();
    expect(await slow).toBeInstanceOf(TypeError);
    expect(run.emulator.requests().at(-1)).toMatchObject({
      route: 'me',
      status: 0,
      fault: 'latency 60000ms',
    });
  });

  it('latency then the handler: a short delay still answers normally', async () => {
    const run = await startEmulator();
    const tokens = await login(run);
    run.emulator.setFault({ route: '*', kind: 'latency', ms: 5 });
    const result = await me(run, tokens.access_token);
    expect(result.status).toBe(200);
    expect(run.emulator.requests().at(-1)).toMatchObject({
      route: 'me',
      verdict: 'ok',
      fault: 'latency 5ms',
    });
  });

  it("'*' applies to every Tiki route until cleared", async () => {
    const run = await startEmulator();
    const tokens = await login(run);
    run.emulator.setFault({ route: '*', kind: 'status', status: 500 });
    expect((await me(run, tokens.access_token)).status).toBe(500);
    expect((await profile(run, `Bearer ${tokens.access_token}`)).status).toBe(500);
    expect((await refresh(run, tokens.refresh_token ?? '')).status).toBe(500);
    const graphql = await fetch(run.urls.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query":"{ __typename }"}',
    });
    expect(graphql.status).toBe(500);
    expect(await graphql.json()).toEqual({
      errors: [
        { message: 'emulated fault: status 500', extensions: { code: 500, reason: 'emulated_fault' } },
      ],
    });
    run.emulator.clearFaults();
    expect((await me(run, tokens.access_token)).status).toBe(200);
    expect(run.emulator.count('*', 'emulated_fault')).toBe(4);
  });

  it('a fault on one route leaves the others alone; times counts each request', async () => {
    const run = await startEmulator();
    const tokens = await login(run);
    run.emulator.setFault({ route: 'me', kind: 'status', status: 502, times: 2 });
    expect((await profile(run, `Bearer ${tokens.access_token}`)).status).toBe(200);
    expect((await me(run, tokens.access_token)).status).toBe(502);
    expect(run.emulator.faults()).toEqual([{ route: 'me', kind: 'status', status: 502, times: 1 }]);
    expect((await me(run, tokens.access_token)).status).toBe(502);
    expect((await me(run, tokens.access_token)).status).toBe(200);
  });

  it('a status fault answers before the signature is even checked', async () => {
    const run = await startEmulator();
    run.emulator.setFault({ route: 'token', kind: 'status', status: 503, times: 1 });
    const response = await signedPost(run, TIKI_PATHS.token, '{}', {
      headers: { 'x-tiniapp-signature': 'bad' },
    });
    expect(response.status).toBe(503);
  });

  it('rejects an invalid fault given programmatically', async () => {
    const run = await startEmulator();
    expect(() => run.emulator.setFault({ route: 'token', kind: 'status', status: 200 })).toThrow(TypeError);
    expect(() => run.emulator.setFault({ route: 'nope' as 'token', kind: 'drop_connection' })).toThrow(
      TypeError,
    );
  });

  it('drop_response_after_commit on GraphQL: the code is consumed though no answer arrived', async () => {
    const run = await startEmulator();
    const input = signedInput({ code: codeFor(run), client_id: DEV.clientId, timestamp: run.clock.now() });
    const query = `query ($input: GetAuthAccessTokenInput!) { get_auth_access_token(input: $input) { access_token } }`;
    run.emulator.setFault({ route: 'graphql', kind: 'drop_response_after_commit', times: 1 });
    await expect(graphql(run, query, { input })).rejects.toThrow(TypeError);
    expect(run.emulator.countOperation('token', 'ok')).toBe(1);
    const retry = await graphql(run, query, { input });
    expect(retry.body.errors?.[0]?.extensions?.reason).toBe('invalid_code');
  });
});
