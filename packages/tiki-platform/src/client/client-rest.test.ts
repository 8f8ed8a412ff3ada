import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { TIKI_HEADERS } from '../facts/schemas.ts';
import { envelope, tikiError } from '../testing/fake-tiki.ts';
import { AUTH_CODE, CLIENT_ID, deadOrigin, rejection, START_MS, useFakeTiki } from '../testing/harness.ts';
import { TikiApiError, TikiNetworkError, TikiResponseError, TikiTimeoutError } from './errors.ts';

const h = useFakeTiki();

/** A server that answers every request with a redirect to the same path under `target`. */
async function startRedirector(status: number, target: string) {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    const path = (req.url ?? '/').replace(/^\/tiniapp-open-api/, '');
    res.writeHead(status, { location: `${target}${path}?trace=abc` }).end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    hits,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('exchangeAuthCode over REST', () => {
  it('sends the signed code and returns the grant with the customer', async () => {
    const grant = await h.client().exchangeAuthCode(AUTH_CODE);
    expect(grant).toEqual({
      accessToken: 'at-1',
      refreshToken: 'rt-1',
      expiresIn: 3600,
      scopes: ['user_profile', 'offline'],
      customer: { id: 1, name: 'Ti Ni' },
    });
    const [request] = h.tiki.requests;
    expect(request?.verdict).toEqual({ ok: true });
    expect(request?.rawBody.toString()).toBe(`{"code":"${AUTH_CODE}"}`);
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers[TIKI_HEADERS.clientId]).toBe(CLIENT_ID);
    expect(request?.headers[TIKI_HEADERS.timestamp]).toBe(String(START_MS));
    expect(request?.headers[TIKI_HEADERS.signature]).toMatch(/^[0-9a-f]{64}$/);
  });

  it('without the offline scope there is no refresh token', async () => {
    h.tiki.on('token', () => ({
      json: envelope({
        access_token: 'at-1',
        expires_in: 3600,
        scopes: ['user_profile'],
        token_type: 'bearer',
        customer: { id: 7, name: 'Nguyễn Văn A' },
      }),
    }));
    const grant = await h.client().exchangeAuthCode(AUTH_CODE);
    expect(grant.refreshToken).toBeNull();
    expect(grant.customer).toEqual({ id: 7, name: 'Nguyễn Văn A' });
  });

  it('an answer without token_type and customer (only a hand-written doc example has them) is a grant', async () => {
    h.tiki.on('token', () => ({
      json: envelope({ access_token: 'at-1', refresh_token: 'rt-1', expires_in: 3600, scopes: ['offline'] }),
    }));
    const grant = await h.client().exchangeAuthCode(AUTH_CODE);
    expect(grant).toEqual({
      accessToken: 'at-1',
      refreshToken: 'rt-1',
      expiresIn: 3600,
      scopes: ['offline'],
      customer: null,
    });
  });

  it('a refusal with an empty reason and a metadata object is TikiApiError keeping the metadata', async () => {
    h.tiki.on('token', () => ({
      status: 400,
      json: { data: null, error: { code: 400, reason: '', message: 'bad', metadata: { field: 'code' } } },
    }));
    const error = await rejection(h.client().exchangeAuthCode(AUTH_CODE));
    expect(error).toBeInstanceOf(TikiApiError);
    expect(error).toMatchObject({ reason: '', status: 400, tikiCode: 400, metadata: { field: 'code' } });
    expect(error.message).toMatch(/Tiki refused with no reason: bad \(HTTP 400\)/);
  });

  it('signs the exact bytes it sends, also with non-ASCII and U+2028 in the body', async () => {
    const code = 'mã-xác-thực-😀\u2028é';
    await h.client().exchangeAuthCode(code);
    const [request] = h.tiki.requests;
    expect(request?.verdict).toEqual({ ok: true });
    expect(request?.rawBody.toString('utf8')).toBe(JSON.stringify({ code }));
  });

  it('invalid_code becomes TikiApiError with the reason, status and Tiki code, never the code itself', async () => {
    h.tiki.on('token', () => ({ status: 400, json: tikiError('invalid_code', 'invalid auth code') }));
    const error = await rejection(h.client().exchangeAuthCode(AUTH_CODE));
    expect(error).toBeInstanceOf(TikiApiError);
    expect(error).toMatchObject({ reason: 'invalid_code', status: 400, tikiCode: 400 });
    expect(error.message).toBe(
      'Tiki exchangeAuthCode: Tiki refused with invalid_code: invalid auth code (HTTP 400)',
    );
  });

  it('a wrong secret is answered invalid_signature by a verifier checking the raw bytes', async () => {
    const error = await rejection(h.client({ clientSecret: 'not-the-secret' }).exchangeAuthCode(AUTH_CODE), [
      'not-the-secret',
    ]);
    expect(error).toMatchObject({ name: 'TikiApiError', reason: 'invalid_signature', status: 400 });
    expect(h.tiki.requests[0]?.verdict).toMatchObject({ reason: 'signature_mismatch' });
  });

  it('a clock six minutes behind is answered invalid_signature (stale timestamp)', async () => {
    const skewed = { now: () => h.clock.now() - 360_000 };
    const error = await rejection(h.client({ clock: skewed }).exchangeAuthCode(AUTH_CODE));
    expect(error).toMatchObject({ reason: 'invalid_signature' });
    expect(h.tiki.requests[0]?.verdict).toMatchObject({ reason: 'stale_timestamp' });
  });

  it('an error envelope delivered with HTTP 200 is still TikiApiError', async () => {
    h.tiki.on('token', () => ({ status: 200, json: tikiError('invalid_code', 'invalid auth code') }));
    const error = await rejection(h.client().exchangeAuthCode(AUTH_CODE));
    expect(error).toMatchObject({ name: 'TikiApiError', reason: 'invalid_code', status: 200, tikiCode: 400 });
    expect(error.message).toContain('delivered with HTTP 200');
  });

  it("Tiki's message is redacted if it quotes the code", async () => {
    h.tiki.on('token', () => ({
      status: 400,
      json: tikiError('invalid_code', `code ${AUTH_CODE} is unknown`),
    }));
    const error = await rejection(h.client().exchangeAuthCode(AUTH_CODE));
    expect(error.message).toContain('code [redacted] is unknown');
  });

  it("Tiki's reason is redacted in the message too, should it quote the code", async () => {
    h.tiki.on('token', () => ({ status: 400, json: tikiError(`invalid_code:${AUTH_CODE}`, 'no') }));
    const error = await rejection(h.client().exchangeAuthCode(AUTH_CODE));
    expect(error.message).toBe(
      'Tiki exchangeAuthCode: Tiki refused with invalid_code:[redacted]: no (HTTP 400)',
    );
  });

  it('data that breaks the schema is TikiResponseError naming the field, not the values', async () => {
    h.tiki.on('token', () => ({
      json: envelope({
        access_token: 42,
        expires_in: 3600,
        scopes: [],
        token_type: 'bearer',
        customer: null,
      }),
    }));
    const error = await rejection(h.client().exchangeAuthCode(AUTH_CODE));
    expect(error).toBeInstanceOf(TikiResponseError);
    expect(error).toMatchObject({ status: 200 });
    expect(error.message).toMatch(/access_token: .*expected string/);
    expect(error.message).toMatch(/customer: /);
  });

  it.each([
    ['an HTML page', { text: '<html>oops</html>' }, /is not JSON \(text\/html\)/],
    ['JSON that is no envelope', { json: { access_token: 'at-1' } }, /not Tiki's \{ data, error \} envelope/],
    ['an envelope with neither data nor error', { json: { data: null, error: null } }, /data does not match/],
    ['an error without a message', { json: { data: null, error: { code: 400 } } }, /error.message/],
  ])('%s is TikiResponseError', async (_name, reply, message) => {
    h.tiki.on('token', () => reply);
    const error = await rejection(h.client().exchangeAuthCode(AUTH_CODE));
    expect(error).toBeInstanceOf(TikiResponseError);
    expect(error.message).toMatch(message);
  });

  it('a 4xx without an error in the envelope is TikiResponseError with that status', async () => {
    h.tiki.on('token', () => ({ status: 404, json: envelope({ access_token: 'x' }) }));
    const error = await rejection(h.client().exchangeAuthCode(AUTH_CODE));
    expect(error).toMatchObject({ name: 'TikiResponseError', status: 404 });
  });

  it('a 502 gateway page is TikiApiError server_error, and the exchange is not retried', async () => {
    h.tiki.on('token', () => ({ status: 502, text: '<html>Bad Gateway</html>' }));
    const error = await rejection(h.client({ readRetries: 5 }).exchangeAuthCode(AUTH_CODE));
    expect(error).toMatchObject({
      name: 'TikiApiError',
      reason: 'server_error',
      status: 502,
      tikiCode: null,
    });
    expect(h.tiki.count('token')).toBe(1);
  });

  it('a server that never answers hits the deadline: TikiTimeoutError, not retried', async () => {
    h.tiki.on('token', () => ({ hang: true }));
    const error = await rejection(h.client({ timeoutMs: 1_000 }).exchangeAuthCode(AUTH_CODE));
    expect(error).toBeInstanceOf(TikiTimeoutError);
    expect(error).toMatchObject({ timeoutMs: 1_000 });
    expect(error.message).toMatch(/no complete response within 1000 ms/);
    expect(h.tiki.count('token')).toBe(1);
  });

  it('a dropped connection is TikiNetworkError, not retried', async () => {
    h.tiki.on('token', () => ({ destroy: true }));
    const error = await rejection(h.client().exchangeAuthCode(AUTH_CODE));
    expect(error).toBeInstanceOf(TikiNetworkError);
    expect(h.tiki.count('token')).toBe(1);
  });

  it('a refused connection is TikiNetworkError with ECONNREFUSED', async () => {
    const origin = await deadOrigin();
    const client = h.client({ restBaseUrl: `${origin}/tiniapp-open-api` });
    const error = await rejection(client.exchangeAuthCode(AUTH_CODE));
    expect(error).toBeInstanceOf(TikiNetworkError);
    expect(error).toMatchObject({ code: 'ECONNREFUSED' });
    expect(error.message).toBe('Tiki exchangeAuthCode: network failure (ECONNREFUSED)');
  });

  it.each([301, 302, 307, 308])(
    'a base URL that answers %i is not followed: the signed call goes nowhere else',
    async (status) => {
      // What an http:// base URL gets from a gateway that upgrades to https.
      const gateway = await startRedirector(status, h.tiki.baseUrls.restBaseUrl);
      try {
        const client = h.client({ restBaseUrl: `${gateway.origin}/tiniapp-open-api` });
        const error = await rejection(client.exchangeAuthCode(AUTH_CODE));
        expect(error).toBeInstanceOf(TikiResponseError);
        expect(error).toMatchObject({ status });
        expect(error.message).toBe(
          `Tiki exchangeAuthCode: HTTP ${status} redirect to ${h.tiki.baseUrls.restBaseUrl}/oauth/auth/token, ` +
            "not followed; Tiki's API does not redirect: check the base URL (https, exact path)",
        );
        expect(gateway.hits).toEqual([`POST /tiniapp-open-api/oauth/auth/token`]);
        expect(h.tiki.requests).toHaveLength(0);
      } finally {
        await gateway.close();
      }
    },
  );

  it('an empty or non-string code is a TypeError before anything is sent', async () => {
    await expect(h.client().exchangeAuthCode('')).rejects.toThrow(/^tiki-platform: code must not be empty/);
    await expect(h.client().exchangeAuthCode({} as unknown as string)).rejects.toThrow(TypeError);
    expect(h.tiki.requests).toHaveLength(0);
  });
});

describe('refreshToken over REST', () => {
  it('returns the rotated tokens and no customer', async () => {
    const grant = await h.client().refreshToken('rt-1');
    expect(grant).toEqual({
      accessToken: 'at-2',
      refreshToken: 'rt-2',
      expiresIn: 3600,
      scopes: ['offline'],
      customer: null,
    });
    expect(h.tiki.requests[0]?.rawBody.toString()).toBe('{"refresh_token":"rt-1"}');
    expect(h.tiki.requests[0]?.verdict).toEqual({ ok: true });
  });

  it('invalid_token becomes TikiApiError and the refresh token never appears in the message', async () => {
    h.tiki.on('refresh', () => ({ status: 400, json: tikiError('invalid_token', 'invalid refresh token') }));
    const error = await rejection(h.client().refreshToken('rt-secret-value'), ['rt-secret-value']);
    expect(error).toMatchObject({ name: 'TikiApiError', reason: 'invalid_token', status: 400 });
  });

  it('a refresh grant without a new refresh token breaks the schema', async () => {
    h.tiki.on('refresh', () => ({
      json: envelope({ access_token: 'a', expires_in: 3600, scopes: [], token_type: 'bearer' }),
    }));
    const error = await rejection(h.client().refreshToken('rt-1'));
    expect(error).toBeInstanceOf(TikiResponseError);
    expect(error.message).toMatch(/refresh_token/);
  });

  it('a 503 is not retried: a refresh token is rotated by its first use', async () => {
    h.tiki.on('refresh', () => ({ status: 503, json: tikiError('server_error', 'unavailable', 503) }));
    const error = await rejection(h.client({ readRetries: 3 }).refreshToken('rt-1'));
    expect(error).toMatchObject({ name: 'TikiApiError', status: 503 });
    expect(h.tiki.count('refresh')).toBe(1);
  });
});
