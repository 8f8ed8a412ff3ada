import { TIKI_HEADERS, TIKI_PATHS } from '@tini-starter/tiki-platform/schemas';
import { signBody } from '@tini-starter/tiki-platform/sign';
import { describe, expect, it } from 'vitest';
import {
  codeFor,
  DEV,
  type Envelope,
  ERROR_METADATA,
  exchange,
  json,
  login,
  me,
  OTHER_APP,
  refresh,
  signedPost,
  startEmulator,
} from '../testing/harness.ts';

const CODE_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

function error(reason: string, message: string | RegExp, code = 400) {
  return {
    data: null,
    error: {
      code,
      reason,
      message: typeof message === 'string' ? message : expect.stringMatching(message),
      metadata: ERROR_METADATA,
    },
  };
}

describe('POST /oauth/auth/token', () => {
  it('exchanges a code for an access token, a refresh token (offline granted) and the customer', async () => {
    const run = await startEmulator();
    const code = codeFor(run, ['user_profile', 'offline']);
    expect(code).toMatch(CODE_SHAPE);
    const result = await exchange(run, code);
    expect(result.status).toBe(200);
    expect(result.body).toEqual({
      data: {
        access_token: expect.stringMatching(CODE_SHAPE),
        refresh_token: expect.stringMatching(CODE_SHAPE),
        expires_in: 3600,
        scopes: ['user_profile', 'offline'],
        token_type: 'bearer',
        customer: { id: 1, name: 'Ti Ni' },
      },
      error: null,
    });
    expect(run.emulator.count('token', 'ok')).toBe(1);
  });

  it('issues no refresh token when offline was not granted', async () => {
    const run = await startEmulator();
    const result = await exchange(run, codeFor(run, ['user_profile']));
    expect(result.status).toBe(200);
    expect(result.body.data).not.toHaveProperty('refresh_token');
    expect(result.body.data?.scopes).toEqual(['user_profile']);
  });

  it('answers the customer the user consented as, with Vietnamese diacritics intact', async () => {
    const run = await startEmulator();
    const { authCode } = run.emulator.issueAuthCode({
      clientId: DEV.clientId,
      customerId: 2,
      scopes: ['user_profile'],
    });
    const result = await exchange(run, authCode);
    expect(result.body.data?.customer).toEqual({ id: 2, name: 'Nguyễn Thị Minh Khai' });
  });

  it('rejects an unknown code with invalid_code', async () => {
    const run = await startEmulator();
    const result = await exchange(run, 'CDKJfdkj4528KJ.eCZa27znIuM8JGC-IUSM-S_G_YrgP7OH8BTGdba706E');
    expect(result.status).toBe(400);
    expect(result.body).toEqual(error('invalid_code', 'invalid auth code: unknown code'));
  });

  it('rejects a reused code and revokes every token issued from it', async () => {
    const run = await startEmulator();
    const code = codeFor(run);
    const first = await exchange(run, code);
    const tokens = first.body.data;
    expect(tokens).not.toBeNull();
    const second = await exchange(run, code);
    expect(second.status).toBe(400);
    expect(second.body).toEqual(
      error('invalid_code', 'invalid auth code: already used; every token issued from it is now revoked'),
    );
    expect((await me(run, tokens?.access_token ?? '')).body).toEqual(
      error('invalid_token', 'invalid access token: revoked (auth code reused)'),
    );
    expect((await refresh(run, tokens?.refresh_token ?? '')).body).toEqual(
      error('invalid_token', 'invalid refresh token: revoked (auth code reused)'),
    );
  });

  it('rejects an expired code (60 s by default)', async () => {
    const run = await startEmulator();
    const code = codeFor(run);
    run.clock.advance(60_000);
    const result = await exchange(run, code);
    expect(result.body).toEqual(error('invalid_code', 'invalid auth code: expired'));
  });

  it('accepts a code until the last millisecond of its configured lifetime', async () => {
    const run = await startEmulator({ lifetimes: { authCodeMs: 5_000 } });
    const code = codeFor(run);
    run.clock.advance(4_999);
    expect((await exchange(run, code)).status).toBe(200);
  });

  it("rejects another app's code and leaves it usable by its own app", async () => {
    const run = await startEmulator();
    const code = codeFor(run, ['user_profile'], OTHER_APP.clientId);
    const stolen = await exchange(run, code);
    expect(stolen.body).toEqual(error('invalid_code', 'invalid auth code: issued to another app'));
    const own = await exchange(run, code, { credentials: OTHER_APP });
    expect(own.status).toBe(200);
  });

  it('lets exactly one of two concurrent exchanges of one code succeed', async () => {
    const run = await startEmulator();
    const code = codeFor(run);
    const results = await Promise.all([exchange(run, code), exchange(run, code)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 400]);
    expect(run.emulator.count('token', 'ok')).toBe(1);
    expect(run.emulator.count('token', 'invalid_code')).toBe(1);
  });
});

describe('POST /oauth/auth/token/refresh', () => {
  it('rotates: a new access and refresh token, same scopes, no customer', async () => {
    const run = await startEmulator();
    const tokens = await login(run);
    const result = await refresh(run, tokens.refresh_token ?? '');
    expect(result.status).toBe(200);
    expect(result.body).toEqual({
      data: {
        access_token: expect.stringMatching(CODE_SHAPE),
        refresh_token: expect.stringMatching(CODE_SHAPE),
        expires_in: 3600,
        scopes: ['user_profile', 'offline'],
        token_type: 'bearer',
      },
      error: null,
    });
    expect(result.body.data?.refresh_token).not.toBe(tokens.refresh_token);
    expect(result.body.data?.access_token).not.toBe(tokens.access_token);
    expect((await me(run, result.body.data?.access_token ?? '')).status).toBe(200);
  });

  it('rejects a rotated refresh token and revokes the whole family', async () => {
    const run = await startEmulator();
    const tokens = await login(run);
    const rotated = (await refresh(run, tokens.refresh_token ?? '')).body.data;
    const replay = await refresh(run, tokens.refresh_token ?? '');
    expect(replay.body).toEqual(
      error('invalid_token', 'invalid refresh token: already used; every token of its family is now revoked'),
    );
    expect((await refresh(run, rotated?.refresh_token ?? '')).body).toEqual(
      error('invalid_token', 'invalid refresh token: revoked (rotated refresh token reused)'),
    );
    expect((await me(run, rotated?.access_token ?? '')).body.error?.reason).toBe('invalid_token');
    expect((await me(run, tokens.access_token)).body.error?.reason).toBe('invalid_token');
  });

  it('does not touch other families when one is revoked', async () => {
    const run = await startEmulator();
    const victim = await login(run);
    const bystander = await login(run);
    await refresh(run, victim.refresh_token ?? '');
    await refresh(run, victim.refresh_token ?? '');
    expect((await me(run, bystander.access_token)).status).toBe(200);
    expect((await refresh(run, bystander.refresh_token ?? '')).status).toBe(200);
  });

  it('lets exactly one of two concurrent refreshes with one token succeed', async () => {
    const run = await startEmulator();
    const tokens = await login(run);
    const results = await Promise.all([
      refresh(run, tokens.refresh_token ?? ''),
      refresh(run, tokens.refresh_token ?? ''),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 400]);
    expect(run.emulator.count('refresh', 'ok')).toBe(1);
  });

  it('rejects an expired refresh token', async () => {
    const run = await startEmulator({ lifetimes: { refreshTokenMs: 10_000 } });
    const tokens = await login(run);
    run.clock.advance(10_000);
    expect((await refresh(run, tokens.refresh_token ?? '')).body).toEqual(
      error('invalid_token', 'invalid refresh token: expired'),
    );
  });

  it("rejects another app's refresh token", async () => {
    const run = await startEmulator();
    const tokens = await login(run);
    const result = await refresh(run, tokens.refresh_token ?? '', { credentials: OTHER_APP });
    expect(result.body).toEqual(error('invalid_token', 'invalid refresh token: issued to another app'));
  });

  it('rejects an unknown or access token given as refresh token', async () => {
    const run = await startEmulator();
    const tokens = await login(run);
    expect((await refresh(run, tokens.access_token)).body).toEqual(
      error('invalid_token', 'invalid refresh token: unknown token'),
    );
  });
});

describe('POST /oauth/me', () => {
  it('answers customer id, name and scopes for a live access token', async () => {
    const run = await startEmulator();
    const tokens = await login(run, ['user_profile']);
    const result = await me(run, tokens.access_token);
    expect(result.status).toBe(200);
    expect(result.body).toEqual({
      data: { customer_id: 1, customer_name: 'Ti Ni', scopes: ['user_profile'] },
      error: null,
    });
  });

  it('rejects an expired access token (3600 s by default)', async () => {
    const run = await startEmulator();
    const tokens = await login(run);
    run.clock.advance(3_600_000);
    expect((await me(run, tokens.access_token)).body).toEqual(
      error('invalid_token', 'invalid access token: expired'),
    );
  });

  it("rejects an unknown token and another app's token", async () => {
    const run = await startEmulator();
    const tokens = await login(run);
    expect((await me(run, 'nope')).body).toEqual(
      error('invalid_token', 'invalid access token: unknown token'),
    );
    expect((await me(run, tokens.access_token, { credentials: OTHER_APP })).body).toEqual(
      error('invalid_token', 'invalid access token: issued to another app'),
    );
  });
});

describe('signatures over the raw body', () => {
  const unicodeBody = (code: string) => `{"code":"${code}","note":"Hà Nội — Tiki 🛒"}`;

  it('verifies a Unicode body whose exact bytes were signed', async () => {
    const run = await startEmulator();
    const response = await signedPost(run, TIKI_PATHS.token, unicodeBody(codeFor(run)));
    expect(response.status).toBe(200);
  });

  it('rejects the same object re-serialized differently, and shows the payload it expected', async () => {
    const run = await startEmulator();
    const code = codeFor(run);
    const signed = unicodeBody(code);
    const reserialized = JSON.stringify(JSON.parse(signed), null, 1);
    const escaped = signed.replace('à', '\\u00e0');
    for (const sent of [reserialized, escaped]) {
      expect(JSON.parse(sent)).toEqual(JSON.parse(signed));
      const response = await signedPost(run, TIKI_PATHS.token, signed, { sendBody: sent });
      expect(response.status).toBe(400);
      expect(await json(response)).toEqual(
        error('invalid_signature', /^invalid signature \(signature_mismatch\): /),
      );
    }
    const entry = run.emulator.requests().at(-1);
    expect(entry?.verdict).toBe('invalid_signature');
    expect(entry?.expectedPayload).toBe(
      `${run.clock.now()}.${DEV.clientId}.${escaped.replace(code, `${code.slice(0, 6)}…`)}`,
    );
    expect(entry?.expectedPayload).not.toContain(code);
    // The code was never consumed by the rejected calls.
    expect((await signedPost(run, TIKI_PATHS.token, signed)).status).toBe(200);
  });

  it('masks a credential in the expected payload wherever the body put it', async () => {
    const run = await startEmulator();
    const code = codeFor(run);
    const escapedKey = `{"\\u0063ode":"${code}"}`;
    expect(JSON.parse(escapedKey)).toEqual({ code });
    const response = await signedPost(run, TIKI_PATHS.token, escapedKey, {
      credentials: { clientId: DEV.clientId, clientSecret: OTHER_APP.clientSecret },
    });
    expect(response.status).toBe(400);
    const entry = run.emulator.requests().at(-1);
    expect(entry?.expectedPayload).toBe(
      `${run.clock.now()}.${DEV.clientId}.{"\\u0063ode":"${code.slice(0, 6)}…"}`,
    );
    // A code sent in the wrong header is masked too, in every field of the entry.
    await signedPost(run, TIKI_PATHS.token, '{}', { headers: { [TIKI_HEADERS.clientId]: code } });
    expect(run.emulator.requests().at(-1)).toMatchObject({
      verdict: 'invalid_client',
      clientId: `${code.slice(0, 6)}…`,
      message: `unknown client id "${code.slice(0, 6)}…"`,
    });
    expect(JSON.stringify(run.emulator.requests())).not.toContain(code);
  });

  it('rejects a body signed with another secret', async () => {
    const run = await startEmulator();
    const result = await exchange(run, codeFor(run), {
      credentials: { clientId: DEV.clientId, clientSecret: OTHER_APP.clientSecret },
    });
    expect(result.body).toEqual(error('invalid_signature', /signature_mismatch/));
  });

  it('by default allows 60 s either way, the only X-Tiniapp window Tiki documents', async () => {
    const run = await startEmulator();
    const code = codeFor(run);
    const stale = await exchange(run, code, { timestamp: run.clock.now() - 60_001 });
    expect(stale.body).toEqual(
      error(
        'invalid_signature',
        /^invalid signature \(stale_timestamp\): timestamp is 60\.001 s in the past; the window is ±60 s/,
      ),
    );
    const future = await exchange(run, code, { timestamp: run.clock.now() + 60_001 });
    expect(future.body).toEqual(error('invalid_signature', /^invalid signature \(future_timestamp\)/));
    expect((await exchange(run, code, { timestamp: run.clock.now() - 60_000 })).status).toBe(200);
  });

  it('rejects a stale and a future timestamp with invalid_signature naming the cause', async () => {
    const run = await startEmulator({ signatureWindowMs: 300_000 });
    const code = codeFor(run);
    const stale = await exchange(run, code, { timestamp: run.clock.now() - 300_001 });
    expect(stale.body).toEqual(
      error(
        'invalid_signature',
        /^invalid signature \(stale_timestamp\): timestamp is 300\.001 s in the past/,
      ),
    );
    const future = await exchange(run, code, { timestamp: run.clock.now() + 300_001 });
    expect(future.body).toEqual(
      error(
        'invalid_signature',
        /^invalid signature \(future_timestamp\): timestamp is 300\.001 s in the future/,
      ),
    );
    expect((await exchange(run, code, { timestamp: run.clock.now() - 300_000 })).status).toBe(200);
  });
});

describe('malformed requests', () => {
  const body = '{"code":"x.y"}';

  async function post(headers: Record<string, string | undefined>, sendBody?: string) {
    const run = await startEmulator();
    const o = sendBody === undefined ? { headers } : { headers, sendBody };
    const response = await signedPost(run, TIKI_PATHS.token, body, o);
    return { status: response.status, body: await json<Envelope<never>>(response), run };
  }

  it.each([
    [
      'a missing client id',
      { [TIKI_HEADERS.clientId]: undefined },
      'invalid_client',
      'missing header X-Tiniapp-Client-Id',
    ],
    [
      'an unknown client id',
      { [TIKI_HEADERS.clientId]: 'who-is-this' },
      'invalid_client',
      'unknown client id "who-is-this"',
    ],
    [
      'a missing timestamp',
      { [TIKI_HEADERS.timestamp]: undefined },
      'invalid_signature',
      'invalid signature (missing_timestamp): timestamp is missing',
    ],
    [
      'a timestamp in seconds',
      { [TIKI_HEADERS.timestamp]: '1795597200' },
      'invalid_signature',
      /^invalid signature \(malformed_timestamp\): .*looks like seconds/,
    ],
    [
      'a timestamp that is not a number',
      { [TIKI_HEADERS.timestamp]: 'yesterday' },
      'invalid_signature',
      /^invalid signature \(malformed_timestamp\)/,
    ],
    [
      'a missing signature',
      { [TIKI_HEADERS.signature]: undefined },
      'invalid_signature',
      'invalid signature (missing_signature): signature is missing',
    ],
    [
      'an uppercase signature',
      { [TIKI_HEADERS.signature]: 'A'.repeat(64) },
      'invalid_signature',
      /^invalid signature \(malformed_signature\): .*uppercase/,
    ],
    [
      'a short signature',
      { [TIKI_HEADERS.signature]: 'abc' },
      'invalid_signature',
      /^invalid signature \(malformed_signature\): signature has 3 characters/,
    ],
    [
      'no content type',
      { 'content-type': undefined },
      'invalid_request',
      'content type must be application/json, got none',
    ],
    [
      'a form content type',
      { 'content-type': 'application/x-www-form-urlencoded' },
      'invalid_request',
      'content type must be application/json, got "application/x-www-form-urlencoded"',
    ],
    [
      'a non-UTF-8 charset',
      { 'content-type': 'application/json; charset=latin1' },
      'invalid_request',
      'JSON must be UTF-8, got charset "latin1"',
    ],
  ] as const)('rejects %s', async (_name, headers, reason, message) => {
    const result = await post(headers as Record<string, string | undefined>);
    expect(result.status).toBe(400);
    expect(result.body).toEqual(error(reason, message));
    expect(result.run.emulator.requests().at(-1)).toMatchObject({
      route: 'token',
      status: 400,
      verdict: reason,
    });
  });

  it.each([
    ['an empty body', '', 'the body is empty; expected a JSON object'],
    ['a body that is not JSON', '{"code":', 'the body is not valid JSON'],
    ['a JSON array', '["x.y"]', 'the body must be a JSON object'],
    ['a body without code', '{"authCode":"x.y"}', 'field "code" is missing'],
    ['a code that is not a string', '{"code":42}', /^field "code" is invalid/],
    ['an empty code', '{"code":""}', /^field "code" is invalid/],
  ])('rejects %s (correctly signed) with invalid_request', async (_name, sent, message) => {
    const run = await startEmulator();
    const response = await signedPost(run, TIKI_PATHS.token, sent);
    expect(response.status).toBe(400);
    expect(await json(response)).toEqual(error('invalid_request', message));
  });

  it('rejects bytes that are not UTF-8', async () => {
    const run = await startEmulator();
    const bytes = new Uint8Array([0x7b, 0x22, 0x63, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]);
    const timestamp = String(run.clock.now());
    const response = await fetch(`${run.urls.restBaseUrl}${TIKI_PATHS.token}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [TIKI_HEADERS.clientId]: DEV.clientId,
        [TIKI_HEADERS.timestamp]: timestamp,
        // Signed over the same (invalid) bytes, decoded lossily: the signature cannot match them exactly.
        [TIKI_HEADERS.signature]: signBody({
          ...DEV,
          timestamp,
          body: Buffer.from(bytes).toString('latin1'),
        }),
      },
      body: bytes,
    });
    expect(response.status).toBe(400);
    expect((await json<Envelope<never>>(response)).error?.reason).toBe('invalid_signature');
  });

  it.each([
    'application/json; charset=utf-8',
    'application/json;charset=UTF8',
    'application/json; charset="UTF-8"',
  ])('accepts %s', async (type) => {
    const run = await startEmulator();
    const response = await signedPost(run, TIKI_PATHS.token, JSON.stringify({ code: codeFor(run) }), {
      headers: { 'content-type': type },
    });
    expect(response.status).toBe(200);
  });

  it('answers 413 with an envelope for a body over 16 KB, and accepts one at 16 KB', async () => {
    const run = await startEmulator();
    const padded = (size: number) => {
      const base = `{"code":"${codeFor(run)}","pad":""}`;
      return base.replace('"pad":""', `"pad":"${'x'.repeat(size - base.length)}"`);
    };
    const tooBig = await signedPost(run, TIKI_PATHS.token, padded(16 * 1024 + 1));
    expect(tooBig.status).toBe(413);
    expect(await json(tooBig)).toEqual(error('payload_too_large', 'the body exceeds 16384 bytes', 413));
    const justFits = await signedPost(run, TIKI_PATHS.token, padded(16 * 1024));
    expect(justFits.status).toBe(200);
  });

  it('rejects a compressed body instead of inflating bytes that were not signed', async () => {
    const run = await startEmulator();
    const response = await signedPost(run, TIKI_PATHS.token, body, {
      headers: { 'content-encoding': 'gzip' },
    });
    expect(response.status).toBe(415);
    expect(await json(response)).toEqual(
      error(
        'invalid_request',
        'compressed bodies are not accepted: send the JSON bytes that were signed',
        415,
      ),
    );
  });

  it('answers 405 for a Tiki path with the wrong method and 404 elsewhere, as envelopes', async () => {
    const run = await startEmulator();
    const wrongMethod = await fetch(`${run.urls.restBaseUrl}${TIKI_PATHS.token}`);
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('POST');
    expect(await json(wrongMethod)).toEqual(
      error('method_not_allowed', `use POST for /tiniapp-open-api${TIKI_PATHS.token}`, 405),
    );
    const unknown = await fetch(`${run.origin}/tiniapp-open-api/oauth/nothing`, { method: 'POST' });
    expect(unknown.status).toBe(404);
    expect(await json(unknown)).toEqual(
      error('not_found', 'no route POST /tiniapp-open-api/oauth/nothing', 404),
    );
  });
});
