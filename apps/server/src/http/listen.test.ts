import type { IncomingMessage, ServerResponse } from 'node:http';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { type Listening, listen } from './listen.ts';

let listening: Listening | undefined;

afterEach(async () => {
  await listening?.stop(1_000);
  listening = undefined;
});

describe('listen', () => {
  it('gives Node requests and responses born with the app’s prototypes, so Express never has to change them', async () => {
    const app = express();
    // What installRequestLogging does: a getter on the app's request prototype, defined before listening.
    Object.defineProperty(app.request, 'flavour', { get: () => 'from app.request' });
    const seen: Array<{ born: boolean; handled: boolean; app: boolean; flavour: unknown }> = [];
    let bornWith: { request: boolean; response: boolean } | undefined;
    app.get('/x', (req, res) => {
      seen.push({
        born: bornWith?.request === true && bornWith.response,
        handled: Object.getPrototypeOf(req) === app.request && Object.getPrototypeOf(res) === app.response,
        app: req.app === app,
        flavour: (req as unknown as { flavour: unknown }).flavour,
      });
      res.status(201).json({ ok: true });
    });
    listening = await listen(app, { host: '127.0.0.1', port: 0 });
    // First in line, before Express sees the request.
    listening.server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
      bornWith = {
        request: Object.getPrototypeOf(req) === app.request,
        response: Object.getPrototypeOf(res) === app.response,
      };
    });

    const answer = await fetch(`${listening.url}/x`);
    expect(answer.status).toBe(201);
    expect(await answer.json()).toEqual({ ok: true });
    expect(seen).toEqual([{ born: true, handled: true, app: true, flavour: 'from app.request' }]);
  });

  it('stops gracefully: an idle keep-alive connection does not hold the stop back', async () => {
    const app = express();
    app.get('/x', (_req, res) => {
      res.json({ ok: true });
    });
    listening = await listen(app, { host: '127.0.0.1', port: 0 });
    await (await fetch(`${listening.url}/x`)).text();
    const started = Date.now();
    expect(await listening.stop(5_000)).toEqual({ drained: true });
    expect(Date.now() - started).toBeLessThan(2_000);
    listening = undefined;
  });
});
