import { request } from 'node:http';
import { DEV_CLIENT_ID } from '@tini-starter/tiki-platform/dev';
import { describe, expect, it } from 'vitest';
import { startEmulator } from '../testing/harness.ts';

/** A request with a Host header of our choosing (fetch does not let a caller set it). */
function withHost(origin: string, method: string, path: string, host: string, body?: unknown) {
  const url = new URL(path, origin);
  return new Promise<{ status: number; body: { error?: { reason: string; message: string } } }>(
    (resolve, reject) => {
      const req = request(
        { hostname: url.hostname, port: url.port, method, path: url.pathname, headers: { host } },
        (res) => {
          let text = '';
          res.on('data', (chunk) => {
            text += chunk;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
        },
      );
      req.on('error', reject);
      if (body !== undefined) {
        req.setHeader('content-type', 'application/json');
        req.end(JSON.stringify(body));
      } else req.end();
    },
  );
}

const consent = { clientId: DEV_CLIENT_ID, scopes: ['user_profile'] };

describe('Host header', () => {
  it('refuses a page that re-bound its own name to 127.0.0.1 (DNS rebinding): no code is minted', async () => {
    const run = await startEmulator();
    for (const [method, path, body] of [
      ['POST', '/__emulator/auth-codes', consent],
      ['POST', '/__emulator/clock', { advanceMs: 1 }],
      ['GET', '/__emulator/requests', undefined],
    ] as const) {
      const answer = await withHost(run.origin, method, path, 'attacker.example:4010', body);
      expect(answer.status).toBe(403);
      expect(answer.body.error).toMatchObject({
        reason: 'host_not_allowed',
        message: expect.stringContaining('TIKI_EMULATOR_ALLOWED_HOSTS'),
      });
    }
    expect(run.emulator.snapshot().codes).toEqual([]);
  });

  it('answers to the loopback names on any port', async () => {
    const run = await startEmulator();
    for (const host of ['127.0.0.1:4010', 'localhost', 'LOCALHOST:1', '[::1]:4010']) {
      expect((await withHost(run.origin, 'POST', '/__emulator/auth-codes', host, consent)).status).toBe(200);
    }
  });

  it('answers to a configured host too, for a developer who serves it elsewhere', async () => {
    const run = await startEmulator({ allowedHosts: ['tiki.test'] });
    expect(
      (await withHost(run.origin, 'POST', '/__emulator/auth-codes', 'tiki.test:80', consent)).status,
    ).toBe(200);
    expect((await withHost(run.origin, 'POST', '/__emulator/auth-codes', 'localhost', consent)).status).toBe(
      403,
    );
  });
});
