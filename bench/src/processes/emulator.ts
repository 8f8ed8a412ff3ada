/**
 * The Tiki emulator as a bench child process: the real emulator (`@tini-starter/tiki-emulator/emulator`)
 * behind an HTTP server of its own, plus IPC operations the bench needs to stay out of the measured path:
 * minting auth codes in bulk, reading counts, switching faults.
 *
 * With BENCH_EMULATOR_TRACK_REFRESHES=1 it also keeps, from the wire, which customer each successful refresh
 * belonged to (codes it minted -> refresh tokens its exchanges answered -> refresh tokens each refresh
 * consumed), so the load run can show "exactly one refresh per user" from the emulator's own answers.
 *
 * Environment: BENCH_EMULATOR_LIFETIMES (JSON Partial<Lifetimes>), BENCH_EMULATOR_CUSTOMERS (how many bench
 * customers to add, ids from BENCH_FIRST_CUSTOMER_ID up), BENCH_EMULATOR_LOG_SIZE.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createEmulator, type Fault, type Lifetimes } from '@tini-starter/tiki-emulator/emulator';
import { DEV_CLIENT_ID } from '@tini-starter/tiki-platform/dev';
import express, { type Request, type RequestHandler, type Response } from 'express';
import { BENCH_FIRST_CUSTOMER_ID, BENCH_SCOPES } from '../customers.ts';
import { announceReady, commonHandlers, serveIpc } from './ipc.ts';

const lifetimes = JSON.parse(process.env.BENCH_EMULATOR_LIFETIMES ?? '{}') as Partial<Lifetimes>;
const customerCount = Number(process.env.BENCH_EMULATOR_CUSTOMERS ?? 0);
const trackRefreshes = process.env.BENCH_EMULATOR_TRACK_REFRESHES === '1';

const emulator = createEmulator({
  lifetimes,
  requestLogSize: Number(process.env.BENCH_EMULATOR_LOG_SIZE ?? 500),
});
for (let i = 0; i < customerCount; i++) {
  const id = BENCH_FIRST_CUSTOMER_ID + i;
  emulator.addCustomer({ id, name: `Khách hàng ${id}`, email: `khach${id}@example.com` });
}

const customerOfCode = new Map<string, number>();
const customerOfRefreshToken = new Map<string, number>();
const refreshesByCustomer = new Map<number, number>();
let refreshesOfUnknownCustomers = 0;
const refreshTimes: number[] = [];

function parseJson(raw: unknown): Record<string, unknown> | null {
  try {
    const text = Buffer.isBuffer(raw) ? raw.toString('utf8') : typeof raw === 'string' ? raw : null;
    const value: unknown = text === null ? raw : JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Keeps a copy of the response body the emulator sends, then books the refresh to its customer. */
const bookRefreshes: RequestHandler = (req: Request, res: Response, next) => {
  const exchange = req.path.endsWith('/oauth/auth/token');
  const refresh = req.path.endsWith('/oauth/auth/token/refresh');
  if (req.method !== 'POST' || !(exchange || refresh)) {
    next();
    return;
  }
  const chunks: Buffer[] = [];
  const target = res as unknown as {
    write: (...a: unknown[]) => boolean;
    end: (...a: unknown[]) => Response;
  };
  const write = target.write.bind(res);
  const end = target.end.bind(res);
  const keep = (chunk: unknown) => {
    if (typeof chunk === 'string' || Buffer.isBuffer(chunk)) chunks.push(Buffer.from(chunk));
  };
  target.write = (chunk: unknown, ...rest: unknown[]) => {
    keep(chunk);
    return write(chunk, ...rest);
  };
  target.end = (chunk?: unknown, ...rest: unknown[]) => {
    keep(chunk);
    return end(chunk, ...rest);
  };
  res.on('finish', () => {
    if (res.statusCode !== 200) return;
    const answer = parseJson(Buffer.concat(chunks));
    const data = answer?.data as { refresh_token?: unknown } | undefined;
    const asked = parseJson(req.body);
    const customer = exchange
      ? customerOfCode.get(String(asked?.code))
      : customerOfRefreshToken.get(String(asked?.refresh_token));
    if (refresh) {
      refreshTimes.push(Date.now());
      if (customer === undefined) refreshesOfUnknownCustomers++;
      else refreshesByCustomer.set(customer, (refreshesByCustomer.get(customer) ?? 0) + 1);
    }
    if (customer !== undefined && typeof data?.refresh_token === 'string') {
      customerOfRefreshToken.set(data.refresh_token, customer);
    }
  });
  next();
};

const app = express();
app.disable('x-powered-by');
if (trackRefreshes) app.use(bookRefreshes);
app.use(emulator.handler);
const server = createServer(app);
let connections = 0;
server.on('connection', () => {
  connections++;
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

serveIpc({
  ...(await commonHandlers()),
  mint: (args) => {
    const { customerIds, scopes } = args as { customerIds: number[]; scopes?: string[] };
    return customerIds.map((customerId) => {
      const { authCode } = emulator.issueAuthCode({
        clientId: DEV_CLIENT_ID,
        customerId,
        scopes: scopes ?? BENCH_SCOPES,
      });
      if (trackRefreshes) customerOfCode.set(authCode, customerId);
      return authCode;
    });
  },
  counts: () => ({
    connections,
    all: emulator.count('*'),
    token: emulator.countOperation('token'),
    tokenOk: emulator.countOperation('token', 'ok'),
    refresh: emulator.countOperation('refresh'),
    refreshOk: emulator.countOperation('refresh', 'ok'),
    me: emulator.countOperation('me'),
    meOk: emulator.countOperation('me', 'ok'),
    profile: emulator.countOperation('profile'),
    profileOk: emulator.countOperation('profile', 'ok'),
  }),
  refreshesByCustomer: () => ({
    byCustomer: [...refreshesByCustomer.entries()],
    unknownCustomer: refreshesOfUnknownCustomers,
    firstAt: refreshTimes.length > 0 ? Math.min(...refreshTimes) : null,
    lastAt: refreshTimes.length > 0 ? Math.max(...refreshTimes) : null,
  }),
  clearRequests: () => {
    emulator.clearRequests();
    refreshesByCustomer.clear();
    refreshesOfUnknownCustomers = 0;
    refreshTimes.length = 0;
    return true;
  },
  requests: () => emulator.requests(),
  setFault: (fault) => {
    emulator.setFault(fault as Fault);
    return true;
  },
  clearFaults: () => {
    emulator.clearFaults();
    return true;
  },
});
announceReady(origin);
