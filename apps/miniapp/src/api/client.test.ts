/**
 * The API client against the real server (and the real emulator behind it), through the test host's
 * `my.request`: the session travels as a bearer token, answers are validated, errors are typed.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type StartedServer, startServer } from '@tini-starter/server/testing';
import { createEmulator, type Emulator } from '@tini-starter/tiki-emulator/emulator';
import { DEV_CLIENT_ID } from '@tini-starter/tiki-platform/dev';
import { emptyLog, hostRequest } from '@tini-starter/tini-host/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResponseFormatError } from '../platform/request-errors.ts';
import { createApiClient } from './client.ts';
import { ApiError } from './errors.ts';

const globals = globalThis as unknown as { my?: unknown };
let emulator: Emulator;
let emulatorOrigin: string;
let server: StartedServer;
const log = emptyLog();

beforeAll(async () => {
  emulator = createEmulator();
  emulatorOrigin = await emulator.listen();
  server = await startServer({ baseUrls: emulator.baseUrls(), env: { LOGIN_RATE_LIMIT_MAX: '1000' } });
  globals.my = { request: hostRequest('documented', log) };
});

afterAll(async () => {
  await server.close();
  await emulator.close();
  delete globals.my;
});

function code(customerId: number): string {
  return emulator.issueAuthCode({ clientId: DEV_CLIENT_ID, customerId, scopes: ['user_profile', 'offline'] })
    .authCode;
}

describe('the API client on the shared contract', () => {
  it('logs in with an auth code, then reads me and the profile with the session as a bearer token', async () => {
    const api = createApiClient({ baseUrl: `${server.url}/` });
    const session = await api.login(code(2));
    expect(session.user).toMatchObject({ tikiCustomerId: 2, name: 'Nguyễn Thị Minh Khai' });
    expect(session.scopes).toEqual(['user_profile', 'offline']);

    const me = await api.me(session.token);
    expect(me.user).toEqual(session.user);
    const { profile } = await api.profile(session.token);
    expect(profile).toMatchObject({ id: 2, email: 'minhkhai@example.com' });

    const sent = log.requests.filter((r) => r.url.endsWith('/api/me') || r.url.endsWith('/api/profile'));
    expect(sent.map((r) => r.headers.authorization)).toEqual([
      `Bearer ${session.token}`,
      `Bearer ${session.token}`,
    ]);
    expect(log.requests.every((r) => !r.url.includes('//api'))).toBe(true);
  });

  it('an auth code used twice is an ApiError invalid_auth_code', async () => {
    const api = createApiClient({ baseUrl: server.url });
    const once = code(1);
    await api.login(once);
    const error = await api.login(once).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ code: 'invalid_auth_code', status: 401 });
  });

  it('an unknown session is an ApiError unauthenticated; after logout the session is unknown', async () => {
    const api = createApiClient({ baseUrl: server.url });
    await expect(api.me('not-a-session')).rejects.toMatchObject({
      name: 'ApiError',
      code: 'unauthenticated',
    });

    const session = await api.login(code(3));
    await api.logout(session.token);
    await expect(api.me(session.token)).rejects.toMatchObject({ code: 'unauthenticated', status: 401 });
  });

  it('a 2xx answer that does not match the contract is a ResponseFormatError', async () => {
    const impostor = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ user: 'nobody', scopes: 'all' }));
    });
    impostor.listen(0, '127.0.0.1');
    await once(impostor, 'listening');
    try {
      const api = createApiClient({
        baseUrl: `http://127.0.0.1:${(impostor.address() as AddressInfo).port}`,
      });
      const error = await api.me('x').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ResponseFormatError);
      expect(error).toMatchObject({ status: 200 });
      expect((error as Error).message).toBe('GET /api/me answered a body that does not match the contract');
    } finally {
      impostor.close();
    }
  });

  it('a server that does not speak the contract is a ResponseFormatError, not a crash', async () => {
    // The emulator is an HTTP server that answers /api/me with its own (Tiki) error envelope.
    const api = createApiClient({ baseUrl: emulatorOrigin });
    const error = await api.me('x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResponseFormatError);
    expect(error).toMatchObject({ status: 404 });
  });
});
