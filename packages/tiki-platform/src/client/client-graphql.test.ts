import { describe, expect, it } from 'vitest';
import { graphqlError } from '../testing/fake-tiki.ts';
import { AUTH_CODE, CLIENT_ID, deadOrigin, rejection, START_MS, useFakeTiki } from '../testing/harness.ts';
import { TikiApiError, TikiResponseError, TikiTimeoutError } from './errors.ts';

const h = useFakeTiki();
const graphqlClient = (o = {}) => h.client({ transport: 'graphql', ...o });

describe('exchangeAuthCode over GraphQL', () => {
  it("sends Tiki's documented document, a signed input, and returns the grant without a customer", async () => {
    const grant = await graphqlClient().exchangeAuthCode(AUTH_CODE);
    expect(grant).toEqual({
      accessToken: 'gql-at',
      refreshToken: 'gql-rt',
      expiresIn: 3600,
      scopes: ['user_profile', 'offline'],
      customer: null,
    });
    const [request] = h.tiki.requests;
    expect(request?.route).toBe('graphql');
    expect(request?.verdict).toEqual({ ok: true });
    expect(request?.graphql).toEqual({
      field: 'get_auth_access_token',
      input: {
        code: AUTH_CODE,
        client_id: CLIENT_ID,
        timestamp: START_MS,
        signature: expect.stringMatching(/^[0-9a-f]{64}$/),
      },
    });
    const { query } = JSON.parse(request?.rawBody.toString() ?? '{}') as { query: string };
    expect(query).toMatch(
      /^query \{\n {2}get_auth_access_token\(input: \{ code: ".*", client_id: ".*", timestamp: \d{13}, signature: "[0-9a-f]{64}" \}\)/,
    );
    expect(query).toContain('access_token refresh_token expires_in scopes');
  });

  it('a code with quotes, backslashes and non-ASCII is a valid GraphQL string and verifies', async () => {
    const code = 'a"b\\c\nHà Nội 😀\u2028';
    await graphqlClient().exchangeAuthCode(code);
    expect(h.tiki.requests[0]?.graphql?.input.code).toBe(code);
    expect(h.tiki.requests[0]?.verdict).toEqual({ ok: true });
  });

  it("Tiki's reason in the error's extensions becomes TikiApiError", async () => {
    h.tiki.on('graphql', () =>
      graphqlError({ code: 400, reason: 'invalid_code', message: 'invalid auth code' }),
    );
    const error = await rejection(graphqlClient().exchangeAuthCode(AUTH_CODE));
    expect(error).toBeInstanceOf(TikiApiError);
    expect(error).toMatchObject({ reason: 'invalid_code', status: 200, tikiCode: 400 });
    expect(error.message).toBe(
      'Tiki exchangeAuthCode (GraphQL): Tiki refused with invalid_code: invalid auth code (delivered with HTTP 200)',
    );
  });

  it('a GraphQL error without extensions is TikiApiError with reason graphql_error, redacted', async () => {
    h.tiki.on('graphql', (request) =>
      graphqlError({ message: `bad signature ${request.graphql?.input.signature}` }, 400),
    );
    const error = await rejection(graphqlClient().exchangeAuthCode(AUTH_CODE));
    expect(error).toMatchObject({
      name: 'TikiApiError',
      reason: 'graphql_error',
      status: 400,
      tikiCode: null,
    });
    expect(error.message).toContain('bad signature [redacted]');
  });

  it('a wrong secret is answered invalid_signature by a verifier of the input', async () => {
    const error = await rejection(
      graphqlClient({ clientSecret: 'wrong-secret' }).exchangeAuthCode(AUTH_CODE),
      ['wrong-secret'],
    );
    expect(error).toMatchObject({ name: 'TikiApiError', reason: 'invalid_signature' });
    expect(h.tiki.requests[0]?.verdict).toMatchObject({ reason: 'signature_mismatch' });
  });

  it('data that breaks the schema is TikiResponseError', async () => {
    h.tiki.on('graphql', () => ({
      json: { data: { get_auth_access_token: { access_token: 'x', scopes: 'all' } } },
    }));
    const error = await rejection(graphqlClient().exchangeAuthCode(AUTH_CODE));
    expect(error).toBeInstanceOf(TikiResponseError);
    expect(error.message).toMatch(/get_auth_access_token\.expires_in/);
  });

  it('a null result without errors is TikiResponseError', async () => {
    h.tiki.on('graphql', () => ({ json: { data: { get_auth_access_token: null } } }));
    await expect(graphqlClient().exchangeAuthCode(AUTH_CODE)).rejects.toBeInstanceOf(TikiResponseError);
  });

  it('a 200 that is not JSON is TikiResponseError', async () => {
    h.tiki.on('graphql', () => ({ text: '<html>maintenance</html>' }));
    const error = await rejection(graphqlClient().exchangeAuthCode(AUTH_CODE));
    expect(error).toMatchObject({ name: 'TikiResponseError', status: 200 });
  });

  it('a 400 that is not GraphQL is TikiResponseError with that status', async () => {
    h.tiki.on('graphql', () => ({ status: 400, text: 'Bad Request', contentType: 'text/plain' }));
    const error = await rejection(graphqlClient().exchangeAuthCode(AUTH_CODE));
    expect(error).toMatchObject({ name: 'TikiResponseError', status: 400 });
  });

  it('a 503 page is TikiApiError server_error and is not retried', async () => {
    h.tiki.on('graphql', () => ({ status: 503, text: 'Service Unavailable' }));
    const error = await rejection(graphqlClient({ readRetries: 4 }).exchangeAuthCode(AUTH_CODE));
    expect(error).toMatchObject({ name: 'TikiApiError', reason: 'server_error', status: 503 });
    expect(h.tiki.count('graphql')).toBe(1);
  });

  it('a 204 with no body at all is TikiResponseError', async () => {
    h.tiki.on('graphql', () => ({ status: 204, text: '' }));
    await expect(graphqlClient().exchangeAuthCode(AUTH_CODE)).rejects.toBeInstanceOf(TikiResponseError);
  });

  it('a server that never answers is TikiTimeoutError after one attempt', async () => {
    h.tiki.on('graphql', () => ({ hang: true }));
    const error = await rejection(graphqlClient({ timeoutMs: 1_000 }).exchangeAuthCode(AUTH_CODE));
    expect(error).toBeInstanceOf(TikiTimeoutError);
    expect(h.tiki.count('graphql')).toBe(1);
  });

  it('a refused connection is TikiNetworkError', async () => {
    const origin = await deadOrigin();
    const error = await rejection(
      graphqlClient({ graphqlUrl: `${origin}/graphql` }).exchangeAuthCode(AUTH_CODE),
    );
    expect(error).toMatchObject({ name: 'TikiNetworkError', code: 'ECONNREFUSED' });
  });
});

describe('refreshToken over GraphQL', () => {
  it('sends refresh_auth_access_token with a signed input and returns the rotated tokens', async () => {
    const grant = await graphqlClient().refreshToken('rt-1');
    expect(grant).toMatchObject({ accessToken: 'gql-at', refreshToken: 'gql-rt', customer: null });
    expect(h.tiki.requests[0]?.graphql).toMatchObject({
      field: 'refresh_auth_access_token',
      input: { refresh_token: 'rt-1', client_id: CLIENT_ID, timestamp: START_MS },
    });
    expect(h.tiki.requests[0]?.verdict).toEqual({ ok: true });
  });

  it('invalid_token is TikiApiError and the refresh token never appears in the message', async () => {
    h.tiki.on('graphql', () =>
      graphqlError({ code: 400, reason: 'invalid_token', message: 'invalid refresh token rt-9' }),
    );
    const error = await rejection(graphqlClient().refreshToken('rt-9'), ['rt-9']);
    expect(error).toMatchObject({ reason: 'invalid_token' });
  });
});
