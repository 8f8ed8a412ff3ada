import { execFile } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deadOrigin } from '../testing/harness.ts';
import { TikiNetworkError, TikiResponseError, TikiTimeoutError } from './errors.ts';
import type { HttpRequest } from './http-transport.ts';
import { undiciTransport } from './undici-transport.ts';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
  remotePort: number;
}

let server: Server;
let origin: string;
let seen: Seen[];
let handle: (req: IncomingMessage, res: ServerResponse) => void;

beforeEach(async () => {
  seen = [];
  handle = (_req, res) => res.end('ok');
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks),
        remotePort: req.socket.remotePort ?? 0,
      });
      handle(req, res);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const get = (url: string, more: Partial<HttpRequest> = {}): HttpRequest => ({
  url,
  method: 'GET',
  headers: {},
  timeoutMs: 2_000,
  what: 'call',
  ...more,
});

describe('undiciTransport: requests', () => {
  it('sends the exact body bytes with their Content-Length, the path and query, and the given headers', async () => {
    handle = (_req, res) => res.writeHead(201, { 'content-type': 'application/json' }).end('{"ok":true}');
    const body = new TextEncoder().encode('{"name":"Trần Thị Ánh"}');
    const answer = await undiciTransport()(
      get(`${origin}/tiniapp-open-api/oauth/auth/token?x=1`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-tiniapp-client-id': 'app' },
        body,
      }),
    );
    expect(answer).toEqual({ status: 201, contentType: 'application/json', text: '{"ok":true}' });
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/tiniapp-open-api/oauth/auth/token?x=1' });
    expect(seen[0]?.headers['content-length']).toBe(String(body.length));
    expect(seen[0]?.headers['x-tiniapp-client-id']).toBe('app');
    expect(new Uint8Array(seen[0]?.body ?? [])).toEqual(body);
  });

  it('reuses one keep-alive connection for sequential calls', async () => {
    const transport = undiciTransport();
    for (let i = 0; i < 3; i++) {
      await transport(get(`${origin}/`));
      // undici frees the connection on the next turn of the event loop; calls from a server's requests are
      // always that far apart.
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(new Set(seen.map((s) => s.remotePort)).size).toBe(1);
  });
});

describe('undiciTransport: answers and failures', () => {
  it('never follows a redirect: TikiResponseError naming where it pointed, without its query', async () => {
    handle = (_req, res) =>
      res.writeHead(301, { location: 'https://elsewhere.example/api?code=secret' }).end();
    const error = await undiciTransport()(get(`${origin}/api`)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TikiResponseError);
    expect((error as Error).message).toBe(
      "call: HTTP 301 redirect to https://elsewhere.example/api, not followed; Tiki's API does not redirect: " +
        'check the base URL (https, exact path)',
    );
    expect(seen).toHaveLength(1);
  });

  it('a refused connection is TikiNetworkError with ECONNREFUSED', async () => {
    const error = await undiciTransport()(get(await deadOrigin())).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TikiNetworkError);
    expect(error).toMatchObject({ code: 'ECONNREFUSED', message: 'call: network failure (ECONNREFUSED)' });
  });

  it('a connection dropped in the middle of the body is TikiNetworkError, never a truncated answer', async () => {
    handle = (req, res) => {
      res.writeHead(200, { 'content-length': '100' }).write('{"partial":', () => req.socket.destroy());
    };
    const error = await undiciTransport()(get(`${origin}/`)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TikiNetworkError);
  });

  it('no head within the deadline is TikiTimeoutError', async () => {
    handle = (_req, res) => void setTimeout(() => res.end('late'), 1_500);
    const started = Date.now();
    const error = await undiciTransport()(get(`${origin}/`, { timeoutMs: 300 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TikiTimeoutError);
    expect((error as Error).message).toBe(
      'call: no complete response within 300 ms; it may or may not have taken effect',
    );
    // The shared deadline clock ticks every 20 ms: never a second late, as undici's own timers can be.
    expect(Date.now() - started).toBeLessThan(600);
  });

  it('time spent waiting for a free connection counts: a queued attempt ends at its deadline too', async () => {
    handle = (_req, res) => void setTimeout(() => res.end('late'), 1_500);
    const transport = undiciTransport({ connections: 1 });
    const first = transport(get(`${origin}/`, { timeoutMs: 1_000 })).catch((e: unknown) => e);
    const started = Date.now();
    const queued = await transport(get(`${origin}/`, { timeoutMs: 300 })).catch((e: unknown) => e);
    expect(queued).toBeInstanceOf(TikiTimeoutError);
    expect(Date.now() - started).toBeLessThan(600);
    expect(await first).toBeInstanceOf(TikiTimeoutError);
  });

  it('attempts in flight together each end at their own deadline, whichever order they end in', async () => {
    handle = (req, res) => void setTimeout(() => res.end('ok'), req.url === '/slow' ? 1_500 : 100);
    const transport = undiciTransport();
    const call = (path: string, timeoutMs: number) =>
      transport(get(`${origin}${path}`, { timeoutMs })).then(
        (answer) => answer.text,
        (e: unknown) => e,
      );
    const started = Date.now();
    // First, middle and last of the pending attempts time out; the ones between them answer first.
    const outcomes = await Promise.all([
      call('/slow', 300),
      call('/fast', 2_000),
      call('/slow', 400),
      call('/fast', 2_000),
      call('/slow', 300),
    ]);
    expect(outcomes.map((o) => (o instanceof TikiTimeoutError ? 'timeout' : o))).toEqual([
      'timeout',
      'ok',
      'timeout',
      'ok',
      'timeout',
    ]);
    expect(Date.now() - started).toBeLessThan(900);
    // Nothing is left pending: the next attempts get their whole deadline, and a late one still fires.
    expect(await call('/fast', 2_000)).toBe('ok');
    expect(await call('/slow', 200)).toBeInstanceOf(TikiTimeoutError);
  });

  it('a body that stalls after the head is TikiTimeoutError', async () => {
    handle = (_req, res) => void res.writeHead(200, { 'content-length': '100' }).write('{"slow":');
    const error = await undiciTransport()(get(`${origin}/`, { timeoutMs: 300 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TikiTimeoutError);
  });
});

describe('undiciTransport: idle connections', () => {
  it('closes a pooled connection once it has been idle for keepAliveMs', async () => {
    let closed!: Promise<void>;
    handle = (req, res) => {
      closed = new Promise((resolve) => req.socket.on('close', () => resolve()));
      res.end('ok');
    };
    await undiciTransport({ keepAliveMs: 50 })(get(`${origin}/`));
    await closed; // the server keeps it for 60 s: only the client's idle timeout can close it
  });

  it('leaves an idle keep-alive connection that does not keep a process alive', {
    timeout: 30_000,
  }, async () => {
    const moduleUrl = new URL('./undici-transport.ts', import.meta.url).href;
    const script = [
      `const { undiciTransport } = await import(${JSON.stringify(moduleUrl)});`,
      `const answer = await undiciTransport()({ url: ${JSON.stringify(`${origin}/`)}, method: 'GET', headers: {}, timeoutMs: 5000, what: 'x' });`,
      'process.stdout.write(String(answer.status));',
    ].join('\n');
    const packageDir = fileURLToPath(new URL('..', import.meta.url));
    // Exits on its own only if the pooled connection is unref'd: the server keeps it open for 60 s.
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: packageDir },
    );
    expect(stdout).toBe('200');
    expect(seen[0]?.headers.connection).toBe('keep-alive');
  });
});
