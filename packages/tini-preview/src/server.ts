/**
 * The preview's server, for development only: the shell page, its script (bundled with esbuild on first
 * request), the app compiled as Studio compiles it (app-files.ts, again after every change), and an event
 * stream that tells the page to reload when the app's folder changes. It listens on loopback only: the files
 * it serves are a development build, never meant to leave the machine.
 */
import { watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { type AppSnapshot, readApp } from './app-files.ts';
import { shellHtml } from './shell.ts';

export interface PreviewOptions {
  /** The folder Tini Studio opens as the app: the one with app.json (`miniprogramRoot`). */
  root: string;
  host?: string;
  /** 0 takes a free port. */
  port?: number;
  /** Shown in the tab's title. */
  name?: string;
}

export interface Preview {
  url: string;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
const TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.svg': 'image/svg+xml',
  '.webp': 'image/webp',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
};
const CLIENT_ENTRY = path.join(path.dirname(fileURLToPath(import.meta.url)), 'client', 'main.ts');

export class PreviewError extends Error {
  override name = 'PreviewError';
}

export async function startPreview(o: PreviewOptions): Promise<Preview> {
  const host = o.host ?? '127.0.0.1';
  if (!LOOPBACK.has(host)) {
    throw new PreviewError(`The preview listens on loopback only (127.0.0.1, ::1), not on ${host}`);
  }
  const root = path.resolve(o.root);
  const name = o.name ?? path.basename(path.dirname(root));
  let client: Promise<string> | null = null;
  /** The compiled app, kept until the folder changes. */
  let app: Promise<AppSnapshot> | null = null;
  const streams = new Set<ServerResponse>();

  let pending: ReturnType<typeof setTimeout> | undefined;
  const watcher = watch(root, { recursive: true }, () => {
    app = null;
    clearTimeout(pending);
    // A build writes many files: one reload once it has been quiet for a moment.
    pending = setTimeout(() => {
      for (const stream of streams) stream.write('event: reload\ndata: \n\n');
    }, 150);
  });

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', String(error));
      else res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://preview');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, 'text/plain; charset=utf-8', 'The preview only serves GET');
      return;
    }
    if (url.pathname === '/favicon.ico') {
      res.writeHead(204).end();
    } else if (url.pathname === '/') {
      send(res, 200, 'text/html; charset=utf-8', shellHtml(name));
    } else if (url.pathname === '/__preview/client.js') {
      client ??= bundleClient();
      send(res, 200, TYPES['.js'] as string, await client);
    } else if (url.pathname === '/__preview/files') {
      app ??= readApp(root);
      const snapshot = await app.catch((error: unknown) => {
        app = null;
        throw error;
      });
      if (snapshot.files['app.json'] === undefined) {
        app = null;
        send(res, 404, 'text/plain; charset=utf-8', `No app.json in ${root}: is the app built (pnpm dev)?`);
        return;
      }
      send(res, 200, 'application/json', JSON.stringify({ name, ...snapshot }));
    } else if (url.pathname === '/__preview/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
      res.write(': connected\n\n');
      streams.add(res);
      req.on('close', () => streams.delete(res));
    } else if (url.pathname.startsWith('/__preview/app/')) {
      const file = path.resolve(root, decodeURIComponent(url.pathname.slice('/__preview/app/'.length)));
      if (!file.startsWith(root + path.sep)) {
        send(res, 404, 'text/plain; charset=utf-8', 'Not in the app');
        return;
      }
      try {
        const body = await readFile(file);
        send(res, 200, TYPES[path.extname(file)] ?? 'application/octet-stream', body);
      } catch {
        send(res, 404, 'text/plain; charset=utf-8', `${url.pathname}: not in the app`);
      }
    } else {
      send(res, 404, 'text/plain; charset=utf-8', 'Not found');
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : o.port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}/`,
    async close() {
      watcher.close();
      clearTimeout(pending);
      for (const stream of streams) stream.end();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, {
    'content-type': type,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(body);
}

async function bundleClient(): Promise<string> {
  const result = await esbuild.build({
    entryPoints: [CLIENT_ENTRY],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    sourcemap: 'inline',
    logLevel: 'silent',
  });
  return result.outputFiles[0]?.text ?? '';
}
