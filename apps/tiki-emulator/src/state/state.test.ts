import { createManualClock } from '@tini-starter/tiki-platform/clock';
import { describe, expect, it } from 'vitest';
import { createEmulator } from '../emulator.ts';
import { TikiRejection } from '../tiki/rejection.ts';
import { DEFAULT_CUSTOMERS, DEFAULT_LIFETIMES } from './seed.ts';
import { createState } from './state.ts';

const APP = { clientId: 'app', clientSecret: 'secret', allowedScopes: ['user_profile', 'offline'] };

function newState() {
  const clock = createManualClock(Date.UTC(2026, 0, 1));
  const state = createState({
    clock,
    lifetimes: DEFAULT_LIFETIMES,
    apps: [APP],
    customers: [...DEFAULT_CUSTOMERS],
  });
  return { clock, state };
}

describe('the emulator state', () => {
  it('grants requested scopes once each, in the order asked', () => {
    const { state } = newState();
    const answer = state.issueAuthCode({ clientId: 'app', scopes: ['offline', 'user_profile', 'offline'] });
    expect(answer.authSuccessScopes).toEqual(['offline', 'user_profile']);
    expect(state.exchangeCode('app', answer.authCode).scopes).toEqual(['offline', 'user_profile']);
  });

  it('throws TikiRejection for an unknown app or customer', () => {
    const { state } = newState();
    expect(() => state.issueAuthCode({ clientId: 'nope' })).toThrow(TikiRejection);
    expect(() => state.issueAuthCode({ clientId: 'app', customerId: 77 })).toThrow('unknown customer id 77');
  });

  it('forgets expired codes and dead token families, so a long load run stays bounded', () => {
    const { clock, state } = newState();
    for (let i = 0; i < 300; i += 1) state.issueAuthCode({ clientId: 'app' });
    const used = state.issueAuthCode({ clientId: 'app', scopes: ['offline'] }).authCode;
    const grant = state.exchangeCode('app', used);
    expect(state.snapshot().codes).toHaveLength(301);
    clock.advance(DEFAULT_LIFETIMES.refreshTokenMs + 1);
    for (let i = 0; i < 256; i += 1) state.issueAuthCode({ clientId: 'app' });
    const snapshot = state.snapshot();
    expect(snapshot.codes.length).toBeLessThanOrEqual(256);
    expect(snapshot.families).toEqual([]);
    expect(() => state.refresh('app', grant.refreshToken ?? '')).toThrow(
      'invalid refresh token: unknown token',
    );
  });

  it('keeps a used code while its family lives, so that a replay still revokes', () => {
    const { clock, state } = newState();
    const code = state.issueAuthCode({ clientId: 'app', scopes: ['offline'] }).authCode;
    const grant = state.exchangeCode('app', code);
    clock.advance(DEFAULT_LIFETIMES.accessTokenMs + 1);
    for (let i = 0; i < 256; i += 1) state.issueAuthCode({ clientId: 'app' });
    expect(() => state.exchangeCode('app', code)).toThrow('already used');
    expect(() => state.refresh('app', grant.refreshToken ?? '')).toThrow('revoked (auth code reused)');
  });
});

describe('createEmulator options', () => {
  it('rejects lifetimes that are not positive integers of milliseconds', () => {
    expect(() => createEmulator({ lifetimes: { authCodeMs: 0 } })).toThrow(
      'tiki-emulator: lifetimes.authCodeMs must be a positive integer of milliseconds, got 0',
    );
    expect(() => createEmulator({ lifetimes: { accessTokenMs: 1.5 } })).toThrow(TypeError);
    expect(() => createEmulator({ lifetimes: { accessTokenMs: 999 } })).toThrow(
      'tiki-emulator: lifetimes.accessTokenMs must be at least 1000 (expires_in is in seconds), got 999',
    );
  });

  it('registers the development app and seeds customer 1 "Ti Ni" by default', () => {
    const snapshot = createEmulator().snapshot();
    expect(snapshot.apps.map((app) => app.clientId)).toEqual(['tini-starter-dev']);
    expect(snapshot.apps[0]?.allowedScopes).toEqual(['user_profile', 'offline']);
    expect(snapshot.customers[0]).toMatchObject({ id: 1, name: 'Ti Ni' });
    expect(snapshot.lifetimes).toEqual({
      authCodeMs: 60_000,
      accessTokenMs: 3_600_000,
      refreshTokenMs: 2_592_000_000,
    });
  });

  it('needs listen() before baseUrls()', () => {
    expect(() => createEmulator().baseUrls()).toThrow('tiki-emulator: baseUrls() needs listen() first');
  });
});
