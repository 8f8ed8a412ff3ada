/**
 * Server processes spawned for real: two processes sharing one database file, and SIGTERM with requests in
 * flight. The emulator runs here, behind a front that records secrets and can hold requests (tiki-front.ts).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEmulator, createOffsetClock, type Emulator } from '@tini-starter/tiki-emulator/emulator';
import { DEV_CLIENT_ID, DEV_CLIENT_SECRET } from '@tini-starter/tiki-platform/dev';
import { signedIpn } from '@tini-starter/tiki-platform/testing/ipn';
import { newConnectionOutcome } from '@tini-starter/tiki-platform/testing/ports';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEV_ENCRYPTION_KEY_BASE64, DEV_ENCRYPTION_KEY_ID } from '../src/config.ts';
import { type ChildServer, spawnServer } from '../src/testing/child-server.ts';
import { createLeakRecorder, type LeakRecorder } from '../src/testing/harness.ts';
import { startPostgres } from '../src/testing/postgres.ts';
import { startServer } from '../src/testing/start-server.ts';
import { testDatabase } from '../src/testing/test-database.ts';
import { startTikiFront, type TikiFront } from '../src/testing/tiki-front.ts';

const HOUR = 3600_000;
let dir: string;
let dbFile: string;
let emulator: Emulator;
let front: TikiFront;
let recorder: LeakRecorder;
let children: ChildServer[];
let emulatorClock: ReturnType<typeof createOffsetClock>;
/** Where the processes keep their data: the SQLite file by default; a describe for PostgreSQL replaces it. */
let databaseEnv: Record<string, string>;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'server-processes-'));
  dbFile = join(dir, 'server.sqlite');
  databaseEnv = { DATABASE_FILE: dbFile };
  recorder = createLeakRecorder();
  emulatorClock = createOffsetClock();
  emulator = createEmulator({ clock: emulatorClock });
  await emulator.listen();
  front = await startTikiFront(emulator, recorder);
  children = [];
});

afterEach(async () => {
  for (const child of children) {
    if (child.child.exitCode === null && child.child.signalCode === null) {
      child.child.kill('SIGKILL');
      await child.exited;
    }
    recorder.logLines.push(...child.lines);
  }
  // The leak check over the children's logs and every answer they gave.
  expect(recorder.leaks()).toEqual([]);
  await front.close();
  await emulator.close();
  rmSync(dir, { recursive: true, force: true });
});

async function call(url: string, method: string, path: string, o: { token?: string; json?: unknown } = {}) {
  const headers: Record<string, string> = {};
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  if (o.json !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${url}${path}`, {
    method,
    headers,
    body: o.json === undefined ? undefined : JSON.stringify(o.json),
  });
  if (o.token) recorder.sessionTokens.add(o.token);
  const text = await response.text();
  recorder.recordResponse(response, text);
  return {
    status: response.status,
    body: text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>),
  };
}

function authCode(): string {
  const { authCode: code } = emulator.issueAuthCode({
    clientId: DEV_CLIENT_ID,
    scopes: ['user_profile', 'offline'],
  });
  recorder.addSecret(code);
  return code;
}

async function spawnFixture(env: Record<string, string> = {}): Promise<ChildServer> {
  const child = await spawnServer('src/testing/server-process.ts', {
    TIKI_BASE_URLS: JSON.stringify(front.baseUrls),
    ...databaseEnv,
    CLOCK_OFFSET_MS: String(emulatorClock.offsetMs()),
    ...env,
  });
  children.push(child);
  return child;
}

async function spawnMain(env: Record<string, string> = {}): Promise<ChildServer> {
  const child = await spawnServer('src/main.ts', {
    PORT: '0',
    // Every line the process can write goes through the leak check.
    LOG_LEVEL: 'trace',
    ...databaseEnv,
    TIKI_REST_BASE_URL: front.baseUrls.restBaseUrl,
    TIKI_GRAPHQL_URL: front.baseUrls.graphqlUrl,
    TIKI_OPEN_API_BASE_URL: front.baseUrls.openApiBaseUrl,
    // Every /api/profile request reaches Tiki, so that a test can hold several at once.
    TIKI_PROFILE_CACHE_TTL_MS: '0',
    ...env,
  });
  children.push(child);
  return child;
}

/** Every cross-process guarantee, on each store the processes can share. */
describe.each([
  { store: 'one SQLite file', database: async () => ({ DATABASE_FILE: dbFile }) },
  { store: 'one PostgreSQL database', database: async () => ({ DATABASE_URL: await testDatabase() }) },
])('on $store', ({ database }) => {
  beforeEach(async () => {
    databaseEnv = await database();
  });
  afterEach(() => {
    // On PostgreSQL no process fell back to a SQLite file.
    if (databaseEnv.DATABASE_URL) expect(existsSync(dbFile)).toBe(false);
  });

  describe('three server processes sharing one database', () => {
    it('50 concurrent /api/profile calls with an expired token, spread over the three, make exactly one refresh', async () => {
      // Log in while the token is fresh (an in-process server on the same file, on the emulator's clock)...
      const loginServer = await startServer({
        baseUrls: front.baseUrls,
        dbFile,
        env: databaseEnv,
        clock: emulatorClock,
        logDestination: recorder.logStream,
      });
      const login = await call(loginServer.url, 'POST', '/api/auth/login', {
        json: { authCode: authCode() },
      });
      const token = login.body?.token as string;
      await loginServer.close();
      // ...then two hours pass for Tiki and for both processes.
      emulatorClock.advance(2 * HOUR);
      const servers = await Promise.all([spawnFixture(), spawnFixture(), spawnFixture()]);

      // Hold the refresh at Tiki until one process is refreshing and another is waiting for it.
      front.hold('/oauth/auth/token/refresh');
      const answers = Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          call((servers[i % 3] as ChildServer).url, 'GET', '/api/profile', { token }),
        ),
      );
      await front.arrivals('/oauth/auth/token/refresh', 1);
      await Promise.race(servers.map((server) => server.waitForLog(/^waiting for another instance/)));
      front.release();

      expect((await answers).map((answer) => answer.status)).toEqual(Array(50).fill(200));
      expect(emulator.countOperation('refresh')).toBe(1);
      expect(emulator.countOperation('refresh', 'ok')).toBe(1);
      expect(emulator.count('profile', 'ok')).toBe(50);
    });

    it('one code submitted to two processes at once is exchanged with Tiki once, and both get a session', async () => {
      const [a, b] = await Promise.all([spawnFixture(), spawnFixture()]);
      if (!a || !b) throw new Error('unreachable');
      const code = authCode();
      // Hold the exchange at Tiki until the second process has found the code pending and waits for it.
      front.hold('/oauth/auth/token');
      const first = call(a.url, 'POST', '/api/auth/login', { json: { authCode: code } });
      await front.arrivals('/oauth/auth/token', 1);
      const second = call(b.url, 'POST', '/api/auth/login', { json: { authCode: code } });
      await b.waitForLog(/^auth code is being exchanged by another instance/);
      front.release();

      const answers = await Promise.all([first, second]);
      expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
      expect(emulator.countOperation('token')).toBe(1);
      const [sessionA, sessionB] = answers.map(
        (answer) => answer.body as { token: string; user: { id: string } },
      );
      expect(sessionA?.token).not.toBe(sessionB?.token);
      expect(sessionA?.user.id).toBe(sessionB?.user.id);
    });
  });

  describe('request limits across two server processes', () => {
    it('count together: failed logins spread over two processes reach one limit', async () => {
      const [a, b] = await Promise.all([
        spawnMain({ LOGIN_RATE_LIMIT_MAX: '4' }),
        spawnMain({ LOGIN_RATE_LIMIT_MAX: '4' }),
      ]);
      if (!a || !b) throw new Error('unreachable');
      const fail = (url: string) =>
        call(url, 'POST', '/api/auth/login', { json: { authCode: 'no-such-code' } });
      const statuses = [];
      for (const url of [a.url, b.url, a.url, b.url, a.url, b.url]) statuses.push((await fail(url)).status);
      // Four failures in all are allowed; the fifth, whichever process gets it, is refused.
      expect(statuses).toEqual([401, 401, 401, 401, 429, 429]);
    });
  });

  describe('payments across two server processes', () => {
    it('ten copies of a paid IPN spread over two processes fulfil the order once and complete it once', async () => {
      const [a, b] = await Promise.all([spawnFixture(), spawnFixture()]);
      if (!a || !b) throw new Error('unreachable');
      const login = await call(a.url, 'POST', '/api/auth/login', { json: { authCode: authCode() } });
      const token = login.body?.token as string;
      const created = await call(a.url, 'POST', '/api/orders', {
        token,
        json: { items: [{ productId: 'xu-100', quantity: 1 }] },
      });
      const order = created.body?.order as { id: string; tikiOrderId: string; grandTotal: number };
      // Paid at Tiki; the emulator has no IPN URL, so the test delivers Tiki's message itself, ten times at once.
      emulator.pay(order.tikiOrderId, 'success');
      const ipn = signedIpn({
        order: {
          id: order.tikiOrderId,
          status: 'online_paid',
          grand_total: order.grandTotal,
          reference_id: order.id,
        },
        messageId: '141939182305017886',
        timestamp: Date.now() + emulatorClock.offsetMs(),
      });
      recorder.addSecret(ipn.signature);
      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          fetch(`${i % 2 === 0 ? a.url : b.url}/api/tiki/ipn`, {
            method: 'POST',
            headers: ipn.headers,
            body: ipn.body,
          }).then((response) => response.status),
        ),
      );
      expect(answers).toEqual(Array(10).fill(200));
      const fulfilled = [...a.lines, ...b.lines].filter((line) => line.includes('order fulfilled'));
      expect(fulfilled).toHaveLength(1);
      expect(emulator.count('complete_order')).toBe(1);
      expect(emulator.orders()[0]?.status).toBe('completed');
      const read = await call(b.url, 'GET', `/api/orders/${order.id}`, { token });
      expect(read.body?.order).toMatchObject({ status: 'completed' });
    });

    it('two sweeping processes end paid orders nobody notified, each order fulfilled and completed once', async () => {
      const sweeping = { ORDER_SWEEP_INTERVAL_MS: '300' };
      const [a, b] = await Promise.all([spawnFixture(sweeping), spawnFixture(sweeping)]);
      if (!a || !b) throw new Error('unreachable');
      const login = await call(a.url, 'POST', '/api/auth/login', { json: { authCode: authCode() } });
      const token = login.body?.token as string;
      const orders: { id: string; tikiOrderId: string }[] = [];
      for (let i = 0; i < 12; i++) {
        const created = await call(i % 2 === 0 ? a.url : b.url, 'POST', '/api/orders', {
          token,
          json: { items: [{ productId: 'xu-100', quantity: 1 }] },
        });
        orders.push(created.body?.order as { id: string; tikiOrderId: string });
      }
      // Paid at Tiki, and no IPN (the emulator has no IPN URL here); nobody reads the orders either.
      for (const order of orders) emulator.pay(order.tikiOrderId, 'success');
      const deadline = Date.now() + 20_000;
      while (emulator.orders().some((o) => o.status !== 'completed') && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(emulator.orders().map((o) => o.status)).toEqual(Array(12).fill('completed'));
      const fulfilled = [...a.lines, ...b.lines].filter((line) => line.includes('order fulfilled'));
      expect(fulfilled).toHaveLength(12);
      expect(new Set(fulfilled.map((line) => (JSON.parse(line) as { orderId: string }).orderId)).size).toBe(
        12,
      );
      expect(emulator.count('complete_order')).toBe(12);
      expect(emulator.count('list_orders')).toBeGreaterThan(0);
    });

    it('kill -9 during a create: the same Idempotency-Key is 409 while the attempt may live, then a new attempt', async () => {
      // A create lives at most TIKI_TIMEOUT_MS + 3 database waits + 1 s: 3 s + 0.3 s + 1 s here.
      const fast = { TIKI_TIMEOUT_MS: '3000', DATABASE_BUSY_TIMEOUT_MS: '100' };
      // One after the other: two processes opening a new SQLite file at once may wait longer than 100 ms to migrate.
      const a = await spawnFixture(fast);
      const b = await spawnFixture(fast);
      const login = await call(a.url, 'POST', '/api/auth/login', { json: { authCode: authCode() } });
      const token = login.body?.token as string;
      const checkout = (url: string) =>
        fetch(`${url}/api/orders`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'application/json',
            'idempotency-key': 'checkout-kill-9',
          },
          body: JSON.stringify({ items: [{ productId: 'xu-100', quantity: 1 }] }),
        });
      recorder.sessionTokens.add(token);
      // A writes the order and sends its create to Tiki; it dies before Tiki sees it.
      front.hold('/tiniapp-open-api/order');
      const started = Date.now();
      const dying = checkout(a.url).catch((err: Error) => err);
      await front.arrivals('/tiniapp-open-api/order', 1);
      a.child.kill('SIGKILL');
      expect(await dying).toBeInstanceOf(Error);
      await front.drops('/tiniapp-open-api/order', 1);
      front.release();
      const soon = await checkout(b.url);
      expect(soon.status).toBe(409);
      expect(((await soon.json()) as { error: { code: string } }).error.code).toBe('order_in_progress');
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + 4_500 - Date.now())));
      const retried = await checkout(b.url);
      expect(retried.status).toBe(201);
      const { order } = (await retried.json()) as { order: { tikiOrderId: string } };
      expect(emulator.orders().map((o) => o.id)).toEqual([order.tikiOrderId]);
      // The same key now names the new order.
      expect((await checkout(b.url)).status).toBe(201);
      expect(emulator.count('create_order')).toBe(1);
    });
  });
});

describe('server processes on PostgreSQL, when one of them or the database dies', () => {
  it('kill -9 of the process holding a refresh lease: another refreshes once the lease expires', async () => {
    databaseEnv = { DATABASE_URL: await testDatabase() };
    // The lease lasts TIKI_TIMEOUT_MS + 5 s: a short Tiki deadline keeps the wait short.
    const fast = { TIKI_TIMEOUT_MS: '500' };
    const loginServer = await startServer({
      baseUrls: front.baseUrls,
      env: { ...databaseEnv, ...fast },
      clock: emulatorClock,
      logDestination: recorder.logStream,
    });
    const login = await call(loginServer.url, 'POST', '/api/auth/login', { json: { authCode: authCode() } });
    const token = login.body?.token as string;
    await loginServer.close();
    emulatorClock.advance(2 * HOUR);
    const [a, b] = await Promise.all([spawnFixture(fast), spawnFixture(fast)]);
    if (!a || !b) throw new Error('unreachable');

    // A takes the lease and sends its refresh; it dies before Tiki sees it.
    front.hold('/oauth/auth/token/refresh');
    const dying = call(a.url, 'GET', '/api/profile', { token }).catch((err: Error) => err);
    await front.arrivals('/oauth/auth/token/refresh', 1);
    a.child.kill('SIGKILL');
    expect((await a.exited).signal).toBe('SIGKILL');
    expect(await dying).toBeInstanceOf(Error);
    await front.drops('/oauth/auth/token/refresh', 1);
    front.release();

    // B finds A's lease, waits for it to expire, takes it over and refreshes once.
    const answer = await call(b.url, 'GET', '/api/profile', { token });
    expect(answer.status).toBe(200);
    await b.waitForLog(/^waiting for another instance/);
    expect(emulator.countOperation('refresh')).toBe(1);
    expect(emulator.countOperation('refresh', 'ok')).toBe(1);
    expect((await call(b.url, 'GET', '/api/profile', { token })).status).toBe(200);
    expect(emulator.countOperation('refresh')).toBe(1);
  });

  it('PostgreSQL restarting while requests flow: 503 during the outage, never 500, and no session lost', async () => {
    const postgres = await startPostgres({ own: true });
    try {
      const url = await postgres.createDatabase();
      recorder.addSecret(new URL(url).password);
      databaseEnv = { DATABASE_URL: url };
      const servers = await Promise.all([spawnMain(), spawnMain()]);
      const [a, b] = servers;
      if (!a || !b) throw new Error('unreachable');
      const login = await call(a.url, 'POST', '/api/auth/login', { json: { authCode: authCode() } });
      expect(login.status).toBe(200);
      const token = login.body?.token as string;

      // Requests flow to both processes, five at a time, for the whole test.
      const statuses: number[] = [];
      let flowing = true;
      const flow = Promise.all(
        Array.from({ length: 5 }, async (_, i) => {
          for (let n = 0; flowing; n++) {
            const server = servers[(i + n) % 2] as ChildServer;
            statuses.push((await call(server.url, 'GET', '/api/me', { token })).status);
          }
        }),
      );
      const until = async (done: () => boolean) => {
        while (!done()) await new Promise((resolve) => setTimeout(resolve, 20));
      };
      await until(() => statuses.filter((status) => status === 200).length >= 20);

      await postgres.stop('fast');
      const before = statuses.length;
      await until(() => statuses.slice(before).filter((status) => status === 503).length >= 10);
      expect((await call(b.url, 'GET', '/readyz')).status).toBe(503);
      const refused = await call(a.url, 'POST', '/api/auth/login', { json: { authCode: authCode() } });
      expect(refused.status).toBe(503);
      expect(refused.body).toMatchObject({ error: { code: 'storage_unavailable' } });

      await postgres.start();
      const back = statuses.length;
      await until(() => statuses.slice(back).filter((status) => status === 200).length >= 20);
      flowing = false;
      await flow;

      expect(new Set(statuses)).toEqual(new Set([200, 503]));
      // The session answered 200 before the outage is still there, on both processes, and so is Tiki's grant.
      expect((await call(a.url, 'GET', '/readyz')).status).toBe(200);
      expect((await call(b.url, 'GET', '/api/me', { token })).status).toBe(200);
      expect((await call(a.url, 'GET', '/api/profile', { token })).status).toBe(200);
      expect(emulator.countOperation('token')).toBe(1);
    } finally {
      await postgres.close();
    }
  });
});

describe('starting main.ts', () => {
  it('refuses to start in production with development credentials, naming each variable (exit 78)', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'production',
        DATABASE_FILE: dbFile,
        // Said explicitly, so that a developer's .env (which the process reads) cannot replace them.
        TIKI_CLIENT_ID: DEV_CLIENT_ID,
        TIKI_CLIENT_SECRET: DEV_CLIENT_SECRET,
        TOKEN_ENCRYPTION_KEYS: `${DEV_ENCRYPTION_KEY_ID}:${DEV_ENCRYPTION_KEY_BASE64}`,
        TOKEN_ENCRYPTION_KEY_ID: DEV_ENCRYPTION_KEY_ID,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += String(chunk);
    });
    const [code] = await once(child, 'exit');
    expect(code).toBe(78);
    for (const variable of ['TIKI_CLIENT_ID', 'TIKI_CLIENT_SECRET', 'TOKEN_ENCRYPTION_KEYS']) {
      expect(stderr).toContain(`${variable}: `);
    }
    expect(stderr).not.toContain('dev-only-secret');
    expect(existsSync(dbFile)).toBe(false); // nothing was created before the refusal
  });
});

describe('SIGTERM', () => {
  it('stops accepting, finishes the requests in flight, closes the store and exits 0', async () => {
    const server = await spawnMain();
    const login = await call(server.url, 'POST', '/api/auth/login', { json: { authCode: authCode() } });
    const token = login.body?.token as string;

    front.hold('/customers/profile');
    const inFlight = Promise.all(
      Array.from({ length: 5 }, () => call(server.url, 'GET', '/api/profile', { token })),
    );
    await front.arrivals('/customers/profile', 5);
    server.child.kill('SIGTERM');
    await server.waitForLog(/^shutting down/);

    // No new connections once the stop has begun...
    expect(await newConnectionOutcome(server.url)).toBe('ECONNREFUSED');

    // ...while the requests already in flight complete normally.
    front.release();
    expect((await inFlight).map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200]);
    expect(await server.exited).toEqual({ code: 0, signal: null });
    await server.waitForLog(/^shut down cleanly/);
  });

  it('exits within SHUTDOWN_TIMEOUT_MS even when a request never finishes', async () => {
    const server = await spawnMain({ SHUTDOWN_TIMEOUT_MS: '500', TIKI_TIMEOUT_MS: '60000' });
    const login = await call(server.url, 'POST', '/api/auth/login', { json: { authCode: authCode() } });
    const token = login.body?.token as string;

    front.hold('/customers/profile');
    const stuck = call(server.url, 'GET', '/api/profile', { token }).catch((err: Error) => err);
    await front.arrivals('/customers/profile', 1);
    server.child.kill('SIGTERM');

    expect(await server.exited).toEqual({ code: 1, signal: null });
    expect(await stuck).toBeInstanceOf(Error); // the connection was cut
    await server.waitForLog(/^shutdown deadline passed/);
  });

  it('a restarted process keeps the sessions (same database file)', async () => {
    const first = await spawnMain();
    const login = await call(first.url, 'POST', '/api/auth/login', { json: { authCode: authCode() } });
    const token = login.body?.token as string;
    first.child.kill('SIGTERM');
    expect((await first.exited).code).toBe(0);

    const second = await spawnMain();
    expect((await call(second.url, 'GET', '/api/me', { token })).status).toBe(200);
    expect((await call(second.url, 'GET', '/api/profile', { token })).status).toBe(200);
  });
});
