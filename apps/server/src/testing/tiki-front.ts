/**
 * A recording, holdable front for the emulator, for tests whose servers run in child processes: it forwards
 * each request byte for byte to the emulator, records the secrets that cross it (signatures, codes, tokens)
 * into a LeakRecorder, and can hold requests of chosen routes until the test releases them, which is how a
 * test knows that requests are in flight without timing anything.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Emulator } from '@tini-starter/tiki-emulator/emulator';
import type { LeakRecorder } from './harness.ts';

export interface TikiFront {
  baseUrls: { restBaseUrl: string; graphqlUrl: string; openApiBaseUrl: string };
  /** Holds requests whose path ends with `suffix` until release(). */
  hold(suffix: string): void;
  release(): void;
  /** Resolves once `count` requests whose path ends with `suffix` have arrived (held or not). */
  arrivals(suffix: string, count: number): Promise<void>;
  /** Resolves once `count` held requests whose path ends with `suffix` were dropped: their sender died. */
  drops(suffix: string, count: number): Promise<void>;
  close(): Promise<void>;
}

interface Watcher {
  suffix: string;
  count: number;
  resolve: () => void;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startTikiFront(emulator: Emulator, recorder: LeakRecorder): Promise<TikiFront> {
  const emulatorUrls = emulator.baseUrls();
  const emulatorOrigin = new URL(emulatorUrls.openApiBaseUrl).origin;
  const held = new Set<string>();
  let releaseHeld: () => void = () => {};
  let released = new Promise<void>((resolve) => {
    releaseHeld = resolve;
  });
  const arrived: string[] = [];
  const watchers: Watcher[] = [];
  const dropped: string[] = [];
  const dropWatchers: Watcher[] = [];
  const notify = (paths: string[], waiting: Watcher[]) => {
    for (const watcher of [...waiting]) {
      if (paths.filter((p) => p.endsWith(watcher.suffix)).length >= watcher.count) {
        waiting.splice(waiting.indexOf(watcher), 1);
        watcher.resolve();
      }
    }
  };
  const waitFor = (paths: string[], waiting: Watcher[], suffix: string, count: number) => {
    if (paths.filter((p) => p.endsWith(suffix)).length >= count) return Promise.resolve();
    return new Promise<void>((resolve) => waiting.push({ suffix, count, resolve }));
  };

  const server = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://front').pathname;
    arrived.push(path);
    notify(arrived, watchers);
    const body = await readBody(req);
    if ([...held].some((suffix) => path.endsWith(suffix))) {
      const senderGone = once(req.socket, 'close').then(() => 'gone' as const);
      if ((await Promise.race([released, senderGone])) === 'gone') {
        // Its sender died while it was held (kill -9): it never reaches Tiki, as if the process died first.
        dropped.push(path);
        notify(dropped, dropWatchers);
        return;
      }
    }
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (typeof value === 'string' && !['host', 'connection', 'content-length'].includes(name))
        headers.set(name, value);
    }
    try {
      const answer = await recorder.tikiFetch(`${emulatorOrigin}${req.url}`, {
        method: req.method ?? 'GET',
        headers,
        body: body.length > 0 ? body.toString('utf8') : undefined,
      });
      const text = await answer.text();
      res.writeHead(answer.status, {
        'content-type': answer.headers.get('content-type') ?? 'application/json',
      });
      res.end(text);
    } catch {
      req.socket.destroy();
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const rebase = (url: string) => url.replace(emulatorOrigin, origin);

  const front: TikiFront = {
    baseUrls: {
      restBaseUrl: rebase(emulatorUrls.restBaseUrl),
      graphqlUrl: rebase(emulatorUrls.graphqlUrl),
      openApiBaseUrl: rebase(emulatorUrls.openApiBaseUrl),
    },
    hold(suffix) {
      held.add(suffix);
    },
    release() {
      held.clear();
      releaseHeld();
      released = new Promise<void>((resolve) => {
        releaseHeld = resolve;
      });
    },
    arrivals: (suffix, count) => waitFor(arrived, watchers, suffix, count),
    drops: (suffix, count) => waitFor(dropped, dropWatchers, suffix, count),
    async close() {
      front.release();
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
  return front;
}
