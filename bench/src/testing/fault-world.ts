/**
 * What each fault test needs: a real emulator in the test process (its fault switches and counts at hand),
 * and the real server as a child process (`apps/server/src/main.ts`), so that SIGTERM and kill -9 hit a real
 * process and its real SQLite file.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmulator, type Emulator } from '@tini-starter/tiki-emulator/emulator';
import { DEV_CLIENT_ID } from '@tini-starter/tiki-platform/dev';
import type { Child } from '../child.ts';
import { BENCH_FIRST_CUSTOMER_ID, BENCH_SCOPES } from '../customers.ts';
import { startServerUnderTest } from '../server-under-test.ts';

export interface World {
  emulator: Emulator;
  emulatorOrigin: string;
  dir: string;
  databaseFile: string;
  logFile: string;
  startServer(env?: Record<string, string>): Promise<Child>;
  /** Mints a code for the customer, as the mini app's my.getAuthCode would get it. */
  code(customerId: number): string;
  login(server: Child, customerId: number, requestId?: string): Promise<Answer>;
  get(server: Child, path: string, token: string, requestId?: string): Promise<Answer>;
  /** Requests that reached Tiki at this path so far (counted on arrival, unlike the emulator's own log). */
  arrivals(path: string): number;
  /** Tiki goes down: every connection is refused from now on. */
  stopTiki(): Promise<void>;
  /** The server's own `responseTime` (ms) for a request id, from its request log line. */
  serverResponseTime(requestId: string): Promise<number>;
  close(o?: { keepFiles?: boolean }): Promise<void>;
}

export interface Answer {
  status: number;
  body: Record<string, unknown>;
}

export async function createWorld(o: { customers?: number } = {}): Promise<World> {
  const emulator = createEmulator();
  for (let i = 0; i < (o.customers ?? 50); i++) {
    const id = BENCH_FIRST_CUSTOMER_ID + i;
    emulator.addCustomer({ id, name: `Khách hàng ${id}` });
  }
  // The emulator's handler behind our own HTTP server, to see requests arrive (its log counts them when they
  // finish) and to take Tiki down at will.
  const arrivals = new Map<string, number>();
  const tiki = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    arrivals.set(path, (arrivals.get(path) ?? 0) + 1);
    emulator.handler(req, res);
  });
  await new Promise<void>((resolve) => tiki.listen(0, '127.0.0.1', resolve));
  const emulatorOrigin = `http://127.0.0.1:${(tiki.address() as AddressInfo).port}`;
  const stopTiki = async () => {
    await emulator.close();
    tiki.closeAllConnections();
    await new Promise<void>((resolve) => tiki.close(() => resolve()));
  };
  const dir = await mkdtemp(join(tmpdir(), 'tini-fault-'));
  const databaseFile = join(dir, 'server.sqlite');
  const logFile = join(dir, 'server.log');
  const servers: Child[] = [];
  const answer = async (response: Response): Promise<Answer> => {
    const text = await response.text();
    return {
      status: response.status,
      body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
    };
  };
  const code = (customerId: number) =>
    emulator.issueAuthCode({ clientId: DEV_CLIENT_ID, customerId, scopes: BENCH_SCOPES }).authCode;
  return {
    emulator,
    emulatorOrigin,
    dir,
    databaseFile,
    logFile,
    async startServer(env = {}) {
      const server = await startServerUnderTest({ emulatorOrigin, databaseFile, logFile, env });
      servers.push(server);
      return server;
    },
    code,
    async login(server, customerId, requestId) {
      return answer(
        await fetch(`${server.origin}/api/auth/login`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(requestId ? { 'x-request-id': requestId } : {}),
          },
          body: JSON.stringify({ authCode: code(customerId) }),
        }),
      );
    },
    async get(server, path, token, requestId) {
      return answer(
        await fetch(`${server.origin}${path}`, {
          headers: { authorization: `Bearer ${token}`, ...(requestId ? { 'x-request-id': requestId } : {}) },
        }),
      );
    },
    async serverResponseTime(requestId) {
      // The line is written when the response finishes, which can be a moment after the client has read it.
      for (let attempt = 0; attempt < 200; attempt++) {
        const text = await readFile(logFile, 'utf8');
        // Complete lines only: the server may be half-way through writing the last one.
        const lines = text
          .slice(0, text.lastIndexOf('\n') + 1)
          .split('\n')
          .filter((line) => line.includes(requestId));
        for (const line of lines) {
          const entry = JSON.parse(line) as { reqId?: string; responseTime?: number };
          if (entry.reqId === requestId && typeof entry.responseTime === 'number') return entry.responseTime;
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      throw new Error(`no request log line with a responseTime for ${requestId}`);
    },
    arrivals: (path) => arrivals.get(path) ?? 0,
    stopTiki,
    async close(options = {}) {
      for (const server of servers) await server.stop('SIGKILL');
      if (tiki.listening) await stopTiki();
      if (!options.keepFiles) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Waits for a condition the test cannot be told about (another process's progress), checking every 10 ms. */
export async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
