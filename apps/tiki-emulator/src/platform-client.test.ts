import { createTikiClient, type TikiClient } from '@tini-starter/tiki-platform/client';
import { TikiApiError } from '@tini-starter/tiki-platform/errors';
import { describe, expect, it } from 'vitest';
import { codeFor, DEV, type Running, startEmulator } from './testing/harness.ts';

/** The team's client against the emulator: the two agree on the wire, whichever transport is used. */
function clientFor(run: Running, transport: 'rest' | 'graphql'): TikiClient {
  return createTikiClient({
    ...DEV,
    ...run.urls,
    transport,
    clock: run.clock,
    timeoutMs: 5_000,
    retryBaseDelayMs: 1,
  });
}

describe.each(['rest', 'graphql'] as const)('the platform client over %s', (transport) => {
  it('logs in, reads token info and profile, refreshes, and is refused a replayed refresh token', async () => {
    const run = await startEmulator();
    const client = clientFor(run, transport);
    const grant = await client.exchangeAuthCode(codeFor(run));
    expect(grant).toMatchObject({ expiresIn: 3600, scopes: ['user_profile', 'offline'] });
    expect(await client.getTokenInfo(grant.accessToken)).toEqual({
      customerId: 1,
      customerName: 'Ti Ni',
      scopes: ['user_profile', 'offline'],
    });
    expect(await client.getCustomerProfile(grant.accessToken)).toMatchObject({ id: 1, name: 'Ti Ni' });
    const rotated = await client.refreshToken(grant.refreshToken ?? '');
    expect(rotated.refreshToken).not.toBe(grant.refreshToken);
    const replay = client.refreshToken(grant.refreshToken ?? '');
    await expect(replay).rejects.toBeInstanceOf(TikiApiError);
    await expect(replay).rejects.toMatchObject({ reason: 'invalid_token' });
    expect(run.emulator.countOperation('refresh', 'ok')).toBe(1);
  });

  it('is refused a reused code with invalid_code', async () => {
    const run = await startEmulator();
    const client = clientFor(run, transport);
    const code = codeFor(run);
    await client.exchangeAuthCode(code);
    await expect(client.exchangeAuthCode(code)).rejects.toMatchObject({
      name: 'TikiApiError',
      reason: 'invalid_code',
    });
  });
});

describe('the platform client and the Open API', () => {
  it('maps a token without user_profile to scope_missing (403)', async () => {
    const run = await startEmulator();
    const client = clientFor(run, 'rest');
    const grant = await client.exchangeAuthCode(codeFor(run, ['offline']));
    await expect(client.getCustomerProfile(grant.accessToken)).rejects.toMatchObject({
      reason: 'scope_missing',
      status: 403,
    });
  });

  it('retries a read after an emulated 503: Tiki sees two calls', async () => {
    const run = await startEmulator();
    const client = clientFor(run, 'rest');
    const grant = await client.exchangeAuthCode(codeFor(run));
    run.emulator.setFault({ route: 'me', kind: 'status', status: 503, times: 1 });
    expect((await client.getTokenInfo(grant.accessToken)).customerId).toBe(1);
    expect(run.emulator.count('me')).toBe(2);
    expect(run.emulator.count('me', 'emulated_fault')).toBe(1);
  });
});
