import { describe, expect, it } from 'vitest';
import { fetchWithDeadline } from './deadline-fetch.ts';
import { TikiNetworkError } from './errors.ts';

// These inject a fetch that fails the way a custom or polyfilled fetch can (no system error code); the real
// network failures (refused, reset) are covered against real sockets in the client tests.
describe('fetchWithDeadline failures without a system error code', () => {
  it.each([
    ['an Error', new Error('socket hang up'), 'socket hang up'],
    ['a thrown string', 'weird failure', 'weird failure'],
  ])('%s becomes TikiNetworkError with its message', async (_name, thrown, text) => {
    const failing = (() => Promise.reject(thrown)) as unknown as typeof fetch;
    const error = await fetchWithDeadline({
      fetch: failing,
      url: 'http://x',
      init: {},
      timeoutMs: 1_000,
      what: 'call',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TikiNetworkError);
    expect(error).toMatchObject({ code: null, message: `call: network failure (${text})` });
  });
});
