/**
 * Server processes spawned for real: two processes sharing one database file, and SIGTERM with requests in
 * flight. The emulator runs here, behind a front that records secrets and can hold requests (tiki-front.ts).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEmulator, createOffsetClock, type Emulator } from '@tini-starter/tiki-emulator/emulator';
import { DEV_CLIENT_ID, DEV_CLIENT_SECRET } from '@tini-starter/tiki-platform/dev';
import { signedIpn } from '@tini-starter/tiki-platform/testing/ipn';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEV_ENCRYPTION_KEY_BASE64, DEV_ENCRYPTION_KEY_ID } from '../src/config.ts';
import { type ChildServer, spawnServer } from '../src/testing/child-server.ts';
import { createLeakRecorder, type LeakRecorder } from '../src/testing/harness.ts';
import { startServer } from '../src/testing/start-server.ts';
import { startTikiFront, type TikiFront } from '../src/testing/tiki-front.ts';

const HOUR = 3600_000;
let dir: string;
let dbFile: string;
let emulator: Emulator;
let front: TikiFront;
let recorder: LeakRecorder;
let children: ChildServer[];
let emulatorClock: ReturnType<typeof createOffsetClock>;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'server-processes-'));
  dbFile = join(dir, 'server.sqlite');
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

async function spawnFixture(): Promise<ChildServer> {
  const child = await spawnServer('src/testing/server-process.ts', {
    TIKI_BASE_URLS: JSON.stringify(front.baseUrls),
    DATABASE_FILE: dbFile,
    CLOCK_OFFSET_MS: String(emulatorClock.offsetMs()),
  });
  children.push(child);
  return child;
}

async function spawnMain(env: Record<string, string> = {}): Promise<ChildServer> {
  const child = await spawnServer('src/main.ts', {
    PORT: '0',
    // Every line the process can write goes through the leak check.
    LOG_LEVEL: 'trace',
    DATABASE_FILE: dbFile,
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

describe('two server processes sharing one database file', () => {
  it('50 concurrent /api/profile calls with an expired token, split across both, make exactly one refresh', async () => {
    // Log in while the token is fresh (an in-process server on the same file, on the emulator's clock)...
    const loginServer = await startServer({
      baseUrls: front.baseUrls,
      dbFile,
      clock: emulatorClock,
      logDestination: recorder.logStream,
    });
    const login = await call(loginServer.url, 'POST', '/api/auth/login', { json: { authCode: authCode() } });
    const token = login.body?.token as string;
    await loginServer.close();
    // ...then two hours pass for Tiki and for both processes.
    emulatorClock.advance(2 * HOUR);
    const [a, b] = await Promise.all([spawnFixture(), spawnFixture()]);
    if (!a || !b) throw new Error('unreachable');

    // Hold the refresh at Tiki until one process is refreshing and the other is waiting for it.
    front.hold('/oauth/auth/token/refresh');
    const answers = Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        call(i % 2 === 0 ? a.url : b.url, 'GET', '/api/profile', { token }),
      ),
    );
    await front.arrivals('/oauth/auth/token/refresh', 1);
    await Promise.race([
      a.waitForLog(/^waiting for another instance/),
      b.waitForLog(/^waiting for another instance/),
    ]);
    front.release();

    expect((await answers).map((answer) => answer.status)).toEqual(Array(50).fill(200));
    expect(emulator.countOperation('refresh')).toBe(1);
    expect(emulator.countOperation('refresh', 'ok')).toBe(1);
    expect(emulator.count('profile', 'ok')).toBe(50);
  });

  it('one code submitted to both processes at once is exchanged with Tiki once, and both get a session', async () => {
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
  it('count together: failed logins spread over both reach one limit', async () => {
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
  it('ten copies of a paid IPN spread over both fulfil the order once and complete it once', async () => {
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
    const { port } = new URL(server.url);
    const refused = await new Promise<string>((resolve) => {
      const socket = connect(Number(port), '127.0.0.1');
      socket.on('connect', () => {
        socket.destroy();
        resolve('connected');
      });
      socket.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
    });
    expect(refused).toBe('ECONNREFUSED');

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
