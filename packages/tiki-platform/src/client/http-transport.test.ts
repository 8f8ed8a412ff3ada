import { describe, expect, it } from 'vitest';
import { TikiNetworkError, TikiResponseError } from './errors.ts';
import { fetchTransport } from './http-transport.ts';

// These inject a fetch that fails the way a custom or polyfilled fetch can (no system error code); the real
// network failures (refused, reset) are covered against real sockets in the client tests.
describe('fetchTransport: failures without a system error code', () => {
  it.each([
    ['an Error', new Error('socket hang up'), 'socket hang up'],
    ['a thrown string', 'weird failure', 'weird failure'],
  ])('%s becomes TikiNetworkError with its message', async (_name, thrown, text) => {
    const failing = (() => Promise.reject(thrown)) as unknown as typeof fetch;
    const error = await fetchTransport(failing)({
      url: 'http://x',
      method: 'GET',
      headers: {},
      timeoutMs: 1_000,
      what: 'call',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TikiNetworkError);
    expect(error).toMatchObject({ code: null, message: `call: network failure (${text})` });
  });
});

describe('fetchTransport and redirects', () => {
  it.each([
    ['no Location', {}, 'call: HTTP 302 redirect, not followed'],
    ['an unparsable Location', { location: 'http://[::1' }, 'call: HTTP 302 redirect, not followed'],
  ])('names no target when the redirect has %s', async (_name, headers, start) => {
    const redirecting = (() => Promise.resolve(new Response(null, { status: 302, headers }))) as typeof fetch;
    const error = await fetchTransport(redirecting)({
      url: 'http://x/path',
      method: 'GET',
      headers: {},
      timeoutMs: 1_000,
      what: 'call',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TikiResponseError);
    expect((error as Error).message.startsWith(`${start}; `)).toBe(true);
  });
});
