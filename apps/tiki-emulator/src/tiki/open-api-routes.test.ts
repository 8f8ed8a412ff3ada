import { TIKI_PATHS } from '@tini-starter/tiki-platform/schemas';
import { describe, expect, it } from 'vitest';
import { DEV, ERROR_METADATA, exchange, login, profile, refresh, startEmulator } from '../testing/harness.ts';

const unauthorized = (message: string) => ({
  data: null,
  error: { code: 401, reason: 'invalid_token', message, metadata: ERROR_METADATA },
});

describe('GET /ecom/v1/customers/profile', () => {
  it('answers the profile of the customer behind a token with user_profile', async () => {
    const run = await startEmulator();
    const tokens = await login(run, ['user_profile']);
    const result = await profile(run, `Bearer ${tokens.access_token}`);
    expect(result.status).toBe(200);
    expect(result.body).toEqual({
      id: 1,
      name: 'Ti Ni',
      email: 'tini@example.com',
      phone_number: '0901000001',
    });
    expect(run.emulator.count('profile', 'ok')).toBe(1);
  });

  it('omits the fields a customer does not have', async () => {
    const run = await startEmulator();
    const { authCode } = run.emulator.issueAuthCode({
      clientId: DEV.clientId,
      customerId: 5,
      scopes: ['user_profile'],
    });
    const token = (await exchange(run, authCode)).body.data?.access_token;
    expect((await profile(run, `bearer ${token}`)).body).toEqual({ id: 5, name: 'Phạm Ngũ Lão' });
  });

  it('answers 403 scope_missing for a token without user_profile', async () => {
    const run = await startEmulator();
    const tokens = await login(run, ['offline']);
    const result = await profile(run, `Bearer ${tokens.access_token}`);
    expect(result.status).toBe(403);
    expect(result.headers.get('www-authenticate')).toBe(
      'Bearer realm="tiki", error="insufficient_scope", scope="user_profile"',
    );
    expect(result.body).toEqual({
      data: null,
      error: {
        code: 403,
        reason: 'scope_missing',
        message: 'the access token lacks the scope "user_profile"',
        metadata: ERROR_METADATA,
      },
    });
  });

  it.each([
    ['no Authorization header', undefined, 'missing access token: send Authorization: Bearer <token>'],
    ['a Basic header', 'Basic dXNlcjpwYXNz', 'the Authorization header must be "Bearer <access token>"'],
    ['an empty Bearer', 'Bearer ', 'the Authorization header must be "Bearer <access token>"'],
    ['an unknown token', 'Bearer nope.nope', 'invalid access token: unknown token'],
  ])('answers 401 invalid_token for %s', async (_name, authorization, message) => {
    const run = await startEmulator();
    const result = await profile(run, authorization);
    expect(result.status).toBe(401);
    expect(result.headers.get('www-authenticate')).toBe('Bearer realm="tiki", error="invalid_token"');
    expect(result.body).toEqual(unauthorized(message));
  });

  it('answers 401 for an expired token, and for a refresh token', async () => {
    const run = await startEmulator();
    const tokens = await login(run);
    expect((await profile(run, `Bearer ${tokens.refresh_token}`)).body).toEqual(
      unauthorized('invalid access token: unknown token'),
    );
    run.clock.advance(3_600_000);
    expect((await profile(run, `Bearer ${tokens.access_token}`)).body).toEqual(
      unauthorized('invalid access token: expired'),
    );
  });

  it('answers 401 once the family was revoked by a replayed refresh token', async () => {
    const run = await startEmulator();
    const tokens = await login(run);
    await refresh(run, tokens.refresh_token ?? '');
    await refresh(run, tokens.refresh_token ?? '');
    expect((await profile(run, `Bearer ${tokens.access_token}`)).body).toEqual(
      unauthorized('invalid access token: revoked (rotated refresh token reused)'),
    );
  });

  it('answers 405 for another method', async () => {
    const run = await startEmulator();
    const response = await fetch(`${run.urls.openApiBaseUrl}${TIKI_PATHS.profile}`, { method: 'POST' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET');
  });
});
