import { Writable } from 'node:stream';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../logger.ts';
import { type Listening, listen } from './listen.ts';
import { installRequestLogging } from './request-logging.ts';

interface Line {
  level: number;
  msg: string;
  reqId?: string;
  req?: Record<string, unknown>;
  res?: Record<string, unknown>;
  err?: Record<string, unknown>;
  responseTime?: number;
  [key: string]: unknown;
}

let server: Listening | undefined;
afterEach(async () => {
  await server?.stop(200);
  server = undefined;
});

/** A real server with the request logging in front of three routes; every line it writes is kept. */
async function start() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const app = express();
  installRequestLogging(app, createLogger({ level: 'info', destination }));
  app.get('/quiet', (_req, res) => {
    res.json({ ok: true });
  });
  app.get('/talks', (req, res) => {
    req.log.info(
      { accessToken: 'AT-secret-1', grant: { refresh_token: 'RT-secret-2' } },
      'logged by a route',
    );
    res.json({ ok: true });
  });
  app.get('/fails', (_req, res) => {
    const err = Object.assign(new Error('boom'), {
      accessToken: 'AT-secret-3',
      request: { headers: { authorization: 'Bearer AT-secret-4' } },
    });
    res.err = err;
    res.status(500).json({ error: 'internal' });
  });
  app.get('/stalls', (_req, res) => {
    res.write('{"partial":');
  });
  const mounted = express.Router();
  mounted.get('/me', (_req, res) => {
    res.json({ ok: true });
  });
  app.use('/api', mounted);
  server = await listen(app, { host: '127.0.0.1', port: 0 });
  const url = server.url;
  return {
    lines,
    async get(path: string, headers: Record<string, string> = {}) {
      const response = await fetch(`${url}${path}`, { headers });
      await response.text();
      // The request line is written when the response finishes, a moment after the client has it.
      for (let i = 0; i < 100 && !lines.some((l) => l.includes(path) && l.includes('responseTime')); i++) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      return response;
    },
    /** Reads the first bytes of the answer, then hangs up. */
    async abandon(path: string, headers: Record<string, string> = {}) {
      const controller = new AbortController();
      const response = await fetch(`${url}${path}`, { headers, signal: controller.signal });
      await response.body?.getReader().read();
      controller.abort();
      for (let i = 0; i < 100 && lines.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    },
    parsed: () => lines.map((line) => JSON.parse(line) as Line),
  };
}

describe('request logging', () => {
  it('writes one line per request: id, method, path without query, status, time; no header, no query', async () => {
    const s = await start();
    const response = await s.get('/quiet?code=CODE-secret-5', {
      'x-request-id': 'req-1',
      authorization: 'Bearer SESSION-secret-6',
    });
    expect(response.headers.get('x-request-id')).toBe('req-1');
    expect(s.parsed()).toEqual([
      expect.objectContaining({
        level: 30,
        msg: 'request completed',
        reqId: 'req-1',
        req: { method: 'GET', path: '/quiet', remoteAddress: '127.0.0.1' },
        res: { statusCode: 200 },
        responseTime: expect.any(Number),
      }),
    ]);
    expect(s.lines.join('')).not.toMatch(/secret/);
  });

  it('logs the path the client asked for, also inside a router mounted at a path', async () => {
    const s = await start();
    await s.get('/api/me?x=1', { 'x-request-id': 'req-5' });
    expect(s.parsed()).toEqual([
      expect.objectContaining({
        reqId: 'req-5',
        req: { method: 'GET', path: '/api/me', remoteAddress: '127.0.0.1' },
      }),
    ]);
  });

  it('makes up an id when the client sends none or one that is not a plain token', async () => {
    const s = await start();
    const first = await s.get('/quiet');
    const second = await s.get('/quiet', { 'x-request-id': 'has spaces and "quotes"' });
    const ids = s.parsed().map((line) => line.reqId);
    expect(ids).toEqual([first.headers.get('x-request-id'), second.headers.get('x-request-id')]);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('gives routes req.log: the request id on every line, credentials redacted at any depth', async () => {
    const s = await start();
    await s.get('/talks', { 'x-request-id': 'req-2' });
    const lines = s.parsed();
    expect(lines.map((line) => [line.reqId, line.msg])).toEqual([
      ['req-2', 'logged by a route'],
      ['req-2', 'request completed'],
    ]);
    expect(lines[0]).toMatchObject({ accessToken: '[redacted]', grant: { refresh_token: '[redacted]' } });
    expect(s.lines.join('')).not.toMatch(/secret/);
  });

  it('logs a failed request at error with its error attached, credentials in the error redacted', async () => {
    const s = await start();
    await s.get('/fails', { 'x-request-id': 'req-3' });
    const [line] = s.parsed();
    expect(line).toMatchObject({
      level: 50,
      reqId: 'req-3',
      res: { statusCode: 500 },
      err: {
        message: 'boom',
        accessToken: '[redacted]',
        request: { headers: { authorization: '[redacted]' } },
      },
    });
    expect(s.lines.join('')).not.toMatch(/secret/);
  });

  it('says so when the client hung up before the answer was complete', async () => {
    const s = await start();
    await s.abandon('/stalls', { 'x-request-id': 'req-4' });
    expect(s.parsed()).toEqual([
      expect.objectContaining({
        level: 30,
        reqId: 'req-4',
        msg: 'request aborted before its answer was complete',
        res: { statusCode: 200 },
      }),
    ]);
  });
});
