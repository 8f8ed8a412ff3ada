import { execFile } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createNodeFetch } from './node-fetch.ts';
import { deadOrigin } from './testing/harness.ts';

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

describe('createNodeFetch: requests', () => {
  it('sends the exact body bytes with their Content-Length and the given headers', async () => {
    const bytes = new TextEncoder().encode('{"code":"Hà Nội 😀\u2028"}');
    const response = await createNodeFetch()(`${origin}/oauth/auth/token?x=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-tiniapp-client-id': 'abc' },
      body: bytes,
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('ok');
    const [request] = seen;
    expect(request).toMatchObject({ method: 'POST', url: '/oauth/auth/token?x=1' });
    expect(request?.headers).toMatchObject({
      'content-length': String(bytes.byteLength),
      'content-type': 'application/json',
      'x-tiniapp-client-id': 'abc',
    });
    expect(request?.body.equals(Buffer.from(bytes))).toBe(true);
  });

  it.each([
    ['a string', 'héllo', 'text/plain;charset=UTF-8', 'héllo'],
    ['an ArrayBuffer', new TextEncoder().encode('raw').buffer, undefined, 'raw'],
    ['URLSearchParams (read through a Request)', new URLSearchParams({ a: 'b c' }), undefined, 'a=b+c'],
  ])('sends %s as UTF-8 bytes, with fetch’s default content type', async (_name, body, type, text) => {
    await createNodeFetch()(origin, { method: 'put', body: body as RequestInit['body'] });
    const [request] = seen;
    expect(request?.method).toBe('PUT');
    expect(request?.body.toString('utf8')).toBe(text);
    expect(request?.headers['content-length']).toBe(String(Buffer.byteLength(text)));
    if (type !== undefined) expect(request?.headers['content-type']).toBe(type);
  });

  it('accepts a Request and a URL as input, and sends Content-Length 0 for a POST without a body', async () => {
    const fetch = createNodeFetch();
    await fetch(new Request(`${origin}/a`, { method: 'POST', body: 'x', headers: { 'x-k': 'v' } }));
    await fetch(new URL(`${origin}/b`), { method: 'POST' });
    await fetch(`${origin}/c`);
    expect(seen.map((s) => [s.method, s.url, s.headers['content-length'], s.body.toString()])).toEqual([
      ['POST', '/a', '1', 'x'],
      ['POST', '/b', '0', ''],
      ['GET', '/c', undefined, ''],
    ]);
    expect(seen[0]?.headers['x-k']).toBe('v');
  });

  it('reuses one keep-alive connection for sequential calls', async () => {
    const fetch = createNodeFetch();
    for (let n = 0; n < 3; n++) await (await fetch(origin)).text();
    expect(new Set(seen.map((s) => s.remotePort)).size).toBe(1);
    expect(seen[0]?.headers.connection).toBe('keep-alive');
  });

  it('refuses a protocol other than http(s) the way fetch does', async () => {
    const error = await createNodeFetch()('ftp://127.0.0.1/x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe('fetch failed');
  });
});

describe('createNodeFetch: responses', () => {
  it('returns a standard Response: status, status text, repeated headers, body', async () => {
    handle = (_req, res) => {
      res.writeHead(401, 'Nope', [
        ['Content-Type', 'application/json'],
        ['Set-Cookie', 'a=1'],
        ['Set-Cookie', 'b=2'],
      ]);
      res.end('{"reason":"invalid_token"}');
    };
    const response = await createNodeFetch()(origin);
    expect(response).toBeInstanceOf(Response);
    expect([response.status, response.statusText, response.ok]).toEqual([401, 'Nope', false]);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(await response.json()).toEqual({ reason: 'invalid_token' });
  });

  it('never follows a redirect: the 3xx comes back as it is, whatever `redirect` says', async () => {
    handle = (_req, res) => {
      res.writeHead(302, { location: `${origin}/elsewhere` }).end();
    };
    const response = await createNodeFetch()(`${origin}/start`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe(`${origin}/elsewhere`);
    expect(seen.map((s) => s.url)).toEqual(['/start']);
  });

  it('gives a 204 a null body', async () => {
    handle = (_req, res) => res.writeHead(204).end();
    const response = await createNodeFetch()(origin);
    expect([response.status, response.body]).toEqual([204, null]);
  });
});

describe('createNodeFetch: failures', () => {
  it('rejects with the signal’s reason at once when it is already aborted, sending nothing', async () => {
    const error = await createNodeFetch()(origin, { signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect((error as Error).name).toBe('AbortError');
    expect(seen).toEqual([]);
  });

  it.each([
    ['before the headers', (res: ServerResponse) => void res],
    ['in the middle of the body', (res: ServerResponse) => res.writeHead(200).write('{"par')],
  ])('an abort %s destroys the request and rejects with an AbortError', async (_name, start) => {
    let closed!: Promise<void>;
    handle = (req, res) => {
      closed = new Promise((resolve) => req.socket.on('close', () => resolve()));
      start(res);
      controller.abort();
    };
    const controller = new AbortController();
    const error = await createNodeFetch()(origin, { signal: controller.signal }).catch((e: unknown) => e);
    expect((error as Error).name).toBe('AbortError');
    await closed; // the client destroyed its socket: the server sees it close
  });

  it('maps a refused connection to TypeError("fetch failed") with the ECONNREFUSED cause', async () => {
    const error = await createNodeFetch()(await deadOrigin()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect(error).toMatchObject({ message: 'fetch failed', cause: { code: 'ECONNREFUSED' } });
  });

  it('maps a connection dropped before any answer to a socket hang up (ECONNRESET)', async () => {
    handle = (req) => req.socket.destroy();
    const error = await createNodeFetch()(origin).catch((e: unknown) => e);
    expect(error).toMatchObject({ message: 'fetch failed', cause: { code: 'ECONNRESET' } });
  });

  it('maps a connection dropped in the middle of the body to ECONNRESET, never a truncated Response', async () => {
    handle = (req, res) => {
      res.writeHead(200, { 'content-length': '100' }).write('{"partial":', () => req.socket.destroy());
    };
    const error = await createNodeFetch()(origin).catch((e: unknown) => e);
    expect(error).toMatchObject({ message: 'fetch failed', cause: { code: 'ECONNRESET' } });
  });
});

describe('createNodeFetch: idle sockets', () => {
  it('closes a pooled socket once it has been idle for idleSocketMs', async () => {
    let closed!: Promise<void>;
    handle = (req, res) => {
      closed = new Promise((resolve) => req.socket.on('close', () => resolve()));
      res.end('ok');
    };
    await (await createNodeFetch({ idleSocketMs: 20 })(origin)).text();
    await closed; // the server keeps it for 60 s: only the client's idle timeout can close it
  });

  it('never cuts a request in flight that is slower than idleSocketMs', async () => {
    handle = (_req, res) => void setTimeout(() => res.end('late'), 200);
    const response = await createNodeFetch({ idleSocketMs: 20 })(origin);
    expect(await response.text()).toBe('late');
  });

  it('honours the server’s Keep-Alive hint: a socket is not kept past timeout=N less a second', async () => {
    let closed!: Promise<void>;
    handle = (req, res) => {
      closed = new Promise((resolve) => req.socket.on('close', () => resolve()));
      res.writeHead(200, { 'keep-alive': 'timeout=2' }).end('ok');
    };
    await (await createNodeFetch({ idleSocketMs: 30_000 })(origin)).text();
    // The server keeps it for 60 s and the idle timeout is 30 s: only the hint (2 s less 1 s) closes it.
    await closed;
  });
});

describe('createNodeFetch: a status a Response cannot carry', () => {
  it('rejects a status outside 200-599 as a failed fetch, the RangeError as its cause', async () => {
    handle = (_req, res) => res.writeHead(600).end('?');
    const error = await createNodeFetch()(origin).catch((e: unknown) => e);
    expect(error).toMatchObject({ message: 'fetch failed' });
    expect((error as Error).cause).toBeInstanceOf(RangeError);
  });
});

describe('createNodeFetch and process exit', { timeout: 30_000 }, () => {
  it('leaves an idle keep-alive socket that does not keep a process alive', async () => {
    const moduleUrl = new URL('./node-fetch.ts', import.meta.url).href;
    const script = [
      `const { createNodeFetch } = await import(${JSON.stringify(moduleUrl)});`,
      `const response = await createNodeFetch()(${JSON.stringify(origin)});`,
      'process.stdout.write(String(response.status));',
    ].join('\n');
    const run = promisify(execFile);
    const packageDir = fileURLToPath(new URL('..', import.meta.url));
    // Exits on its own only if the pooled socket is unref'd: the server keeps the connection open for 60 s.
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: packageDir,
    });
    expect(stdout).toBe('200');
    expect(seen[0]?.headers.connection).toBe('keep-alive');
  });
});
