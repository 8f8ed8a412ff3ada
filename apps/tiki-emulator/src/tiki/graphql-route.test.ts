import { describe, expect, it } from 'vitest';
import {
  codeFor,
  DEV,
  type GraphqlBody,
  graphql,
  json,
  OTHER_APP,
  signedInput,
  startEmulator,
} from '../testing/harness.ts';

const EXCHANGE = `query Exchange($input: GetAuthAccessTokenInput!) {
  get_auth_access_token(input: $input) { access_token refresh_token expires_in scopes }
}`;
const REFRESH = `query Refresh($input: RefreshAuthAccessTokenInput!) {
  refresh_auth_access_token(input: $input) { access_token refresh_token expires_in scopes }
}`;
const TOKEN = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

describe('POST /tiniapp/api/graphql/query', () => {
  it('exchanges a code with the signature inside the input, as a literal document like Tiki documents', async () => {
    const run = await startEmulator();
    const input = signedInput({ code: codeFor(run), client_id: DEV.clientId, timestamp: run.clock.now() });
    const literal = `query { get_auth_access_token(input: { code: ${JSON.stringify(input.code)}, client_id: ${JSON.stringify(input.client_id)}, timestamp: ${input.timestamp}, signature: ${JSON.stringify(input.signature)} }) { access_token refresh_token expires_in scopes } }`;
    const result = await graphql(run, literal);
    expect(result.status).toBe(200);
    expect(result.body).toEqual({
      data: {
        get_auth_access_token: {
          access_token: expect.stringMatching(TOKEN),
          refresh_token: expect.stringMatching(TOKEN),
          expires_in: 3600,
          scopes: ['user_profile', 'offline'],
        },
      },
    });
    expect(run.emulator.count('graphql', 'ok')).toBe(1);
    expect(run.emulator.countOperation('token', 'ok')).toBe(1);
  });

  it('refreshes with rotation, and a replayed refresh token revokes the family', async () => {
    const run = await startEmulator();
    const now = run.clock.now();
    const exchanged = await graphql(run, EXCHANGE, {
      input: signedInput({ code: codeFor(run), client_id: DEV.clientId, timestamp: now }),
    });
    const first = exchanged.body.data?.get_auth_access_token?.refresh_token ?? '';
    const refreshInput = (token: string) => ({
      input: signedInput({ refresh_token: token, client_id: DEV.clientId, timestamp: now }),
    });
    const rotated = await graphql(run, REFRESH, refreshInput(first));
    expect(rotated.body.data?.refresh_auth_access_token).toEqual({
      access_token: expect.stringMatching(TOKEN),
      refresh_token: expect.stringMatching(TOKEN),
      expires_in: 3600,
      scopes: ['user_profile', 'offline'],
    });
    const replay = await graphql(run, REFRESH, refreshInput(first));
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual({
      data: { refresh_auth_access_token: null },
      errors: [
        {
          message: 'invalid refresh token: already used; every token of its family is now revoked',
          locations: [{ line: 2, column: 3 }],
          path: ['refresh_auth_access_token'],
          extensions: { code: 400, reason: 'invalid_token' },
        },
      ],
    });
    const next = rotated.body.data?.refresh_auth_access_token?.refresh_token ?? '';
    expect((await graphql(run, REFRESH, refreshInput(next))).body.errors?.[0]?.extensions?.reason).toBe(
      'invalid_token',
    );
    expect(run.emulator.countOperation('refresh', 'ok')).toBe(1);
    expect(run.emulator.countOperation('refresh', 'invalid_token')).toBe(2);
  });

  it('answers a null refresh_token without offline', async () => {
    const run = await startEmulator();
    const input = signedInput({
      code: codeFor(run, ['user_profile']),
      client_id: DEV.clientId,
      timestamp: run.clock.now(),
    });
    const result = await graphql(run, EXCHANGE, { input });
    expect(result.body.data?.get_auth_access_token?.refresh_token).toBeNull();
  });

  it.each([
    [
      'a reused code',
      'invalid_code',
      'invalid auth code: already used; every token issued from it is now revoked',
    ],
    ['a wrong signature', 'invalid_signature', /^invalid signature \(signature_mismatch\)/],
    [
      'a missing signature',
      'invalid_signature',
      'invalid signature (missing_signature): signature is missing',
    ],
    ['a stale timestamp', 'invalid_signature', /^invalid signature \(stale_timestamp\)/],
    ['an unknown client id', 'invalid_client', 'unknown client id "nobody"'],
  ] as const)('answers %s as a GraphQL error with extensions.reason', async (name, reason, message) => {
    const run = await startEmulator();
    const code = codeFor(run);
    const now = run.clock.now();
    let input: Record<string, string | number> = signedInput({
      code,
      client_id: DEV.clientId,
      timestamp: now,
    });
    if (name === 'a reused code') await graphql(run, EXCHANGE, { input });
    if (name === 'a wrong signature')
      input = signedInput({ code, client_id: DEV.clientId, timestamp: now }, OTHER_APP);
    if (name === 'a missing signature') input = { code, client_id: DEV.clientId, timestamp: now };
    if (name === 'a stale timestamp')
      input = signedInput({ code, client_id: DEV.clientId, timestamp: now - 300_001 });
    if (name === 'an unknown client id') input = signedInput({ code, client_id: 'nobody', timestamp: now });
    const result = await graphql(run, EXCHANGE, { input });
    expect(result.status).toBe(200);
    expect(result.body.data).toEqual({ get_auth_access_token: null });
    expect(result.body.errors?.[0]).toMatchObject({
      message: typeof message === 'string' ? message : expect.stringMatching(message),
      extensions: { code: 400, reason },
    });
  });

  it('shows the payload it expected for a signature mismatch, credentials masked', async () => {
    const run = await startEmulator();
    const code = codeFor(run);
    const input = signedInput({ code, client_id: DEV.clientId, timestamp: run.clock.now() }, OTHER_APP);
    await graphql(run, EXCHANGE, { input });
    const entry = run.emulator.requests().at(-1);
    expect(entry).toMatchObject({
      route: 'graphql',
      operation: 'token',
      verdict: 'invalid_signature',
      status: 200,
    });
    expect(entry?.expectedPayload).toBe(
      `{"client_id":"${DEV.clientId}","code":"${code.slice(0, 6)}…","timestamp":${run.clock.now()}}`,
    );
  });

  it('rejects a timestamp signed as a string: it is a number in the signed JSON', async () => {
    const run = await startEmulator();
    const result = await graphql(run, EXCHANGE, {
      input: signedInput({ code: codeFor(run), client_id: DEV.clientId, timestamp: String(run.clock.now()) }),
    });
    expect(result.body.errors?.[0]?.message).toMatch(/Timestamp must be a non-negative integer/);
    expect(result.body.data).toBeUndefined();
  });

  it('lets exactly one of two concurrent exchanges of one code succeed', async () => {
    const run = await startEmulator();
    const input = signedInput({ code: codeFor(run), client_id: DEV.clientId, timestamp: run.clock.now() });
    const results = await Promise.all([graphql(run, EXCHANGE, { input }), graphql(run, EXCHANGE, { input })]);
    const winners = results.filter((r) => r.body.data?.get_auth_access_token != null);
    expect(winners).toHaveLength(1);
    expect(run.emulator.countOperation('token', 'ok')).toBe(1);
  });

  it('answers standard GraphQL errors for a document that does not parse or validate', async () => {
    const run = await startEmulator();
    const syntax = await graphql(run, 'query { get_auth_access_token(');
    expect(syntax.status).toBe(200);
    expect(syntax.body).toEqual({
      errors: [{ message: expect.stringMatching(/^Syntax Error/), locations: [{ line: 1, column: 31 }] }],
    });
    const unknownField = await graphql(run, '{ viewer { id } }');
    expect(unknownField.body.errors?.[0]?.message).toBe('Cannot query field "viewer" on type "Query".');
    const missingInput = await graphql(run, '{ get_auth_access_token { access_token } }');
    expect(missingInput.body.errors?.[0]?.message).toMatch(
      /argument "input" of type "GetAuthAccessTokenInput!" is required/,
    );
    const mutation = await graphql(run, 'mutation { x }');
    expect(mutation.body.errors?.[0]?.message).toBe(
      'Schema is not configured to execute mutation operation.',
    );
    expect(run.emulator.count('graphql', 'graphql_error')).toBe(4);
  });

  it('keeps a code out of the request log when a GraphQL error quotes the input that carried it', async () => {
    const run = await startEmulator();
    const code = codeFor(run);
    const missingClientId = await graphql(run, EXCHANGE, { input: { code, timestamp: run.clock.now() } });
    // The caller gets graphql-js's own message, its own input quoted; the log keeps a masked copy.
    expect(missingClientId.body.errors?.[0]?.message).toContain(code);
    const entry = run.emulator.requests().at(-1);
    expect(entry?.verdict).toBe('graphql_error');
    expect(entry?.message).toContain(`${code.slice(0, 6)}…`);
    expect(JSON.stringify(run.emulator.requests())).not.toContain(code);
  });

  it('answers 400 for a request that is not a GraphQL request', async () => {
    const run = await startEmulator();
    const post = (body: string, type = 'application/json') =>
      fetch(run.urls.graphqlUrl, { method: 'POST', headers: { 'content-type': type }, body });
    const notJson = await post('{ get_auth_access_token }');
    expect(notJson.status).toBe(400);
    expect(await json<GraphqlBody>(notJson)).toEqual({
      errors: [
        { message: 'the body is not valid JSON', extensions: { code: 400, reason: 'invalid_request' } },
      ],
    });
    const noQuery = await post('{"variables":{}}');
    expect((await json<GraphqlBody>(noQuery)).errors?.[0]?.message).toBe('field "query" is missing');
    const wrongType = await post('query { x }', 'application/graphql');
    expect((await json<GraphqlBody>(wrongType)).errors?.[0]?.message).toBe(
      'content type must be application/json, got "application/graphql"',
    );
  });
});
