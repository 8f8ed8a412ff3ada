/**
 * The mini app's browser preview calls the API from its own origin, which the server allows outside production
 * only; no other origin is ever allowed, and production allows none (config.test.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { closeAndExpectNoLeak, type Stack, startStack } from '../src/testing/harness.ts';

let stack: Stack;
afterEach(() => closeAndExpectNoLeak(stack));

const PREVIEW = 'http://127.0.0.1:4321';

describe('CORS for the development preview', () => {
  it('answers the preview’s preflight and its requests, and nobody else’s', async () => {
    stack = await startStack({ env: { MINIAPP_PREVIEW_PORT: '4321' } });
    const preflight = (origin: string) =>
      fetch(`${stack.server.url}/api/me`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'GET',
          'access-control-request-headers': 'authorization',
        },
      });
    const allowed = await preflight(PREVIEW);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(PREVIEW);
    expect(allowed.headers.get('access-control-allow-headers')).toBe('authorization');

    const other = await preflight('http://127.0.0.1:9999');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();

    const answer = await fetch(`${stack.server.url}/api/me`, { headers: { origin: PREVIEW } });
    expect(answer.status).toBe(401);
    expect(answer.headers.get('access-control-allow-origin')).toBe(PREVIEW);
  });
});
