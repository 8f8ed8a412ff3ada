/**
 * The `my.request` wrapper, over the test host's `my.request` (real HTTP to a real server on an ephemeral
 * port) in each of the ways hosts report results. Host behaviours no HTTP server can provoke (error 11, a
 * host that never calls back, one that throws) use a host written in the test.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { emptyLog, hostRequest, type RequestStyle } from '@tini-starter/tini-host/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { request } from './request.ts';
import {
  DomainNotAllowedError,
  HttpStatusError,
  NetworkError,
  ResponseFormatError,
  TimeoutError,
} from './request-errors.ts';

const globals = globalThis as unknown as { my?: unknown };

function useHost(style: RequestStyle) {
  const log = emptyLog();
  globals.my = { request: hostRequest(style, log) };
  return log;
}

function useStubHost(requestImpl: (options: Record<string, unknown>) => void) {
  globals.my = { request: requestImpl };
}

let server: Server;
let origin: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/hang') return; // never answers
      if (url.pathname === '/echo') {
        res.setHeader('content-type', 'application/json');
        res.setHeader('x-trace', 'abc');
        res.end(
          JSON.stringify({
            method: req.method,
            contentType: req.headers['content-type'] ?? null,
            requestId: req.headers['x-request-id'] ?? null,
            accept: req.headers.accept ?? null,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        return;
      }
      if (url.pathname.startsWith('/status/')) {
        res.statusCode = Number(url.pathname.slice('/status/'.length));
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ error: { code: 'rate_limited', message: 'slow down' } }));
        return;
      }
      if (url.pathname === '/text') {
        res.setHeader('content-type', 'text/html');
        res.end('<h1>Bad Gateway</h1>');
        return;
      }
      if (url.pathname === '/empty') {
        res.statusCode = 204;
        res.end();
        return;
      }
      res.statusCode = 404;
      res.end();
    });
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  delete globals.my;
});

afterEach(() => {
  vi.useRealTimers();
});

describe('request over my.request', () => {
  it('resolves the status, lower-cased headers and parsed body of the documented { data, status, headers }', async () => {
    useHost('documented');
    const response = await request({ url: `${origin}/echo` });
    expect(response.status).toBe(200);
    expect(response.headers['x-trace']).toBe('abc');
    expect(response.body).toMatchObject({ method: 'GET', accept: 'application/json', body: '' });
  });

  it('accepts a host that hands over the bare body', async () => {
    useHost('bare');
    const response = await request({ url: `${origin}/echo` });
    expect(response).toEqual({ status: 200, headers: {}, body: expect.objectContaining({ method: 'GET' }) });
  });

  it.each(['POST', 'PUT', 'PATCH', 'DELETE'] as const)(
    'sends %s with the body serialized once as JSON and the caller’s headers',
    async (method) => {
      const log = useHost('documented');
      const body = { authCode: 'abc.def', note: 'Hà Nội' };
      const response = await request({
        url: `${origin}/echo`,
        method,
        body,
        headers: { 'x-request-id': 'r-1' },
      });
      expect(response.body).toEqual({
        method,
        contentType: 'application/json',
        requestId: 'r-1',
        accept: 'application/json',
        body: JSON.stringify(body),
      });
      expect(log.requests[0]?.timeout).toBe(15_000);
    },
  );

  it('a GET carries no body and no content-type', async () => {
    useHost('documented');
    const response = await request({ url: `${origin}/echo`, method: 'GET' });
    expect(response.body).toMatchObject({ contentType: null, body: '' });
  });

  it.each<RequestStyle>(['documented', 'success-always', 'bare'])(
    'an error status rejects with HttpStatusError, its status and parsed body (host style %s)',
    async (style) => {
      useHost(style);
      const error = await request({ url: `${origin}/status/429` }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HttpStatusError);
      expect(error).toMatchObject({
        status: 429,
        body: { error: { code: 'rate_limited', message: 'slow down' } },
      });
    },
  );

  it('an empty 204 resolves with a null body', async () => {
    useHost('documented');
    expect(await request({ url: `${origin}/empty`, method: 'DELETE' })).toMatchObject({
      status: 204,
      body: null,
    });
  });

  it('an answer that is not JSON rejects with ResponseFormatError', async () => {
    useHost('documented');
    await expect(request({ url: `${origin}/text` })).rejects.toBeInstanceOf(ResponseFormatError);
  });

  it('a host that hands over JSON as text has it parsed; text that is not JSON is a ResponseFormatError', async () => {
    useStubHost((o) => (o.success as (r: unknown) => void)({ status: 200, data: '{"a":1}', headers: {} }));
    expect((await request({ url: 'https://x.vn' })).body).toEqual({ a: 1 });
    useStubHost((o) => (o.success as (r: unknown) => void)({ status: 200, data: 'oops', headers: {} }));
    await expect(request({ url: 'https://x.vn' })).rejects.toBeInstanceOf(ResponseFormatError);
  });

  it('a refused connection rejects with NetworkError', async () => {
    useHost('documented');
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await new Promise((resolve) => closed.once('listening', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await expect(request({ url: `http://127.0.0.1:${port}/` })).rejects.toBeInstanceOf(NetworkError);
  });

  it('no answer before timeoutMs rejects with TimeoutError (the host’s own timeout, error 13)', async () => {
    const log = useHost('documented');
    const error = await request({ url: `${origin}/hang`, timeoutMs: 100 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ timeoutMs: 100 });
    expect(log.requests[0]?.timeout).toBe(100);
  });

  it('a host that never calls back is settled by the wrapper’s own deadline', async () => {
    vi.useFakeTimers();
    useStubHost(() => {});
    const pending = request({ url: 'https://x.vn', timeoutMs: 5_000 });
    vi.advanceTimersByTime(6_000);
    await expect(pending).rejects.toBeInstanceOf(TimeoutError);
  });

  it('error 11 (domain not registered in Tini Console) rejects with DomainNotAllowedError', async () => {
    useStubHost((o) => (o.fail as (r: unknown) => void)({ error: 11, errorMessage: 'forbidden' }));
    await expect(request({ url: 'https://x.vn' })).rejects.toBeInstanceOf(DomainNotAllowedError);
  });

  it('a host that throws rejects with NetworkError, and late callbacks change nothing', async () => {
    useStubHost(() => {
      throw new Error('bad params');
    });
    await expect(request({ url: 'https://x.vn' })).rejects.toBeInstanceOf(NetworkError);

    useStubHost((o) => {
      (o.fail as (r: unknown) => void)({ error: 12, errorMessage: 'offline' });
      (o.success as (r: unknown) => void)({ status: 200, data: {}, headers: {} });
    });
    await expect(request({ url: 'https://x.vn' })).rejects.toMatchObject({
      name: 'NetworkError',
      hostError: 12,
    });
  });
});
