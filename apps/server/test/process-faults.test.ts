/**
 * Faults against a real server process (`src/main.ts`, through tsx) and the real emulator in this process:
 * kill -9 in the middle of logins and a restart on the same database file, Tiki down or slower than the
 * deadline, a refresh connection reset under a burst, SIGTERM with 50 requests in flight. A single request
 * through each Tiki fault is faults.test.ts's; what is here needs a process to kill or a burst to race.
 *
 * The one timed promise ("503 within the deadline plus 100 ms") is timed by the server itself: the
 * `responseTime` of its request log line, from the request's arrival to the last byte written, so that the test
 * measures the server and not its own scheduling. On two shared cores each case takes the median of three
 * answers: a design flaw (a retry after a timeout, a backoff past the deadline) moves every answer, a
 * scheduling hiccup one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmulator, type Emulator } from '@tini-starter/tiki-emulator/emulator';
import { DEV_CLIENT_ID } from '@tini-starter/tiki-platform/dev';
import { newConnectionOutcome } from '@tini-starter/tiki-platform/testing/ports';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ChildServer, spawnServer } from '../src/testing/child-server.ts';
import { until } from '../src/testing/harness.ts';

const DEADLINE_MS = 800;
const MARGIN_MS = 100;
const PROFILE_PATH = '/ecom/v1/customers/profile';
const FIRST_CUSTOMER = 5_000;
const SCOPES = ['user_profile', 'offline'];

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

let emulator: Emulator;
let tiki: Server;
let tikiOrigin: string;
/** Requests that reached Tiki, by path, counted as they arrive (the emulator's own log counts them when done). */
let arrivals: Map<string, number>;
let dir: string;
let dbFile: string;
let servers: ChildServer[];

beforeEach(async () => {
  emulator = createEmulator();
  for (let i = 0; i < 2_000; i++) emulator.addCustomer({ id: FIRST_CUSTOMER + i, name: `Khách hàng ${i}` });
  arrivals = new Map();
  tiki = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    arrivals.set(path, (arrivals.get(path) ?? 0) + 1);
    emulator.handler(req, res);
  });
  await new Promise<void>((resolve) => tiki.listen(0, '127.0.0.1', resolve));
  tikiOrigin = `http://127.0.0.1:${(tiki.address() as AddressInfo).port}`;
  dir = mkdtempSync(join(tmpdir(), 'server-faults-'));
  dbFile = join(dir, 'server.sqlite');
  servers = [];
});

afterEach(async () => {
  for (const server of servers) {
    if (server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill('SIGKILL');
      await server.exited;
    }
  }
  if (tiki.listening) await stopTiki();
  rmSync(dir, { recursive: true, force: true });
});

async function startServer(env: Record<string, string> = {}): Promise<ChildServer> {
  const server = await spawnServer('src/main.ts', {
    PORT: '0',
    DATABASE_FILE: dbFile,
    TIKI_REST_BASE_URL: `${tikiOrigin}/tiniapp-open-api`,
    TIKI_GRAPHQL_URL: `${tikiOrigin}/tiniapp/api/graphql/query`,
    TIKI_OPEN_API_BASE_URL: tikiOrigin,
    LOGIN_RATE_LIMIT_MAX: '1000000',
    TIKI_ROUTE_LIMIT_MAX: '1000000',
    // Every /api/profile request reaches Tiki.
    TIKI_PROFILE_CACHE_TTL_MS: '0',
    ...env,
  });
  servers.push(server);
  return server;
}

/** Tiki goes down: every connection is refused from now on. */
async function stopTiki(): Promise<void> {
  await emulator.close();
  tiki.closeAllConnections();
  await new Promise<void>((resolve) => tiki.close(() => resolve()));
}

const customer = (n: number) => FIRST_CUSTOMER + n;
const code = (customerId: number) =>
  emulator.issueAuthCode({ clientId: DEV_CLIENT_ID, customerId, scopes: SCOPES }).authCode;

async function answer(response: Response): Promise<Answer> {
  const text = await response.text();
  return { status: response.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

async function login(server: ChildServer, customerId: number, requestId?: string): Promise<Answer> {
  return answer(
    await fetch(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(requestId ? { 'x-request-id': requestId } : {}) },
      body: JSON.stringify({ authCode: code(customerId) }),
    }),
  );
}

async function get(server: ChildServer, path: string, token: string, requestId?: string): Promise<Answer> {
  return answer(
    await fetch(`${server.url}${path}`, {
      headers: { authorization: `Bearer ${token}`, ...(requestId ? { 'x-request-id': requestId } : {}) },
    }),
  );
}

async function loggedIn(server: ChildServer, n: number): Promise<string> {
  const answered = await login(server, customer(n));
  expect(answered.status).toBe(200);
  return answered.body.token as string;
}

/** The server's own `responseTime` (ms) for a request id, from its request line (written as the answer ends). */
async function responseTime(server: ChildServer, requestId: string): Promise<number> {
  let found: number | undefined;
  await until(() => {
    for (const line of server.lines) {
      if (!line.includes(requestId)) continue;
      const entry = JSON.parse(line) as { reqId?: string; responseTime?: number };
      if (entry.reqId === requestId && typeof entry.responseTime === 'number') found = entry.responseTime;
    }
    return found !== undefined;
  });
  return found as number;
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

describe('kill -9 during logins, then a restart on the same database file', () => {
  it('keeps every user and session that was answered 200, and leaves no half-written rows', async () => {
    const first = await startServer();
    // A little latency at /oauth/me keeps logins spread over every step when the process dies.
    emulator.setFault({ route: 'me', kind: 'latency', ms: 20 });

    const answered: Array<{ customerId: number; token: string; userId: string }> = [];
    const refused: number[] = [];
    let stop = false;
    let next = 0;
    const worker = async () => {
      while (!stop) {
        const customerId = customer(next++);
        try {
          const result = await login(first, customerId);
          if (result.status === 200) {
            const user = result.body.user as { id: string };
            answered.push({ customerId, token: result.body.token as string, userId: user.id });
          } else {
            refused.push(result.status);
          }
        } catch {
          // The connection died with the process: the mini app got no answer.
        }
      }
    };
    const workers = Array.from({ length: 16 }, worker);
    await until(() => answered.length >= 40, 20_000);
    first.child.kill('SIGKILL');
    const exit = await first.exited;
    stop = true;
    await Promise.all(workers);
    expect(exit.signal).toBe('SIGKILL');
    expect(refused).toEqual([]);
    expect(next - answered.length).toBeGreaterThan(0);

    // The file exactly as the crash left it, before the server starts again and touches it.
    const db = new Database(dbFile, { readonly: true });
    try {
      expect(db.pragma('integrity_check')).toEqual([{ integrity_check: 'ok' }]);
      expect(db.pragma('foreign_key_check')).toEqual([]);
      for (const done of answered) {
        const user = db.prepare('SELECT * FROM users WHERE id = ?').get(done.userId) as {
          tiki_customer_id: number;
        };
        expect(user.tiki_customer_id).toBe(done.customerId);
        const tokens = db.prepare('SELECT * FROM tiki_tokens WHERE user_id = ?').get(done.userId) as {
          generation: number;
          access_token: Buffer;
        };
        expect(tokens.generation).toBeGreaterThanOrEqual(1);
        expect(tokens.access_token.length).toBeGreaterThan(0);
        expect(db.prepare('SELECT count(*) AS n FROM sessions WHERE user_id = ?').get(done.userId)).toEqual({
          n: 1,
        });
      }
      // Whatever the crash interrupted, nothing points at a half-done login.
      expect(
        db
          .prepare('SELECT token_hash FROM sessions WHERE user_id NOT IN (SELECT user_id FROM tiki_tokens)')
          .all(),
      ).toEqual([]);
      expect(
        db
          .prepare(
            `SELECT code_hash FROM auth_codes WHERE state = 'succeeded'
               AND (user_id IS NULL OR user_id NOT IN (SELECT user_id FROM tiki_tokens))`,
          )
          .all(),
      ).toEqual([]);
      expect(
        db.prepare("SELECT user_id FROM tiki_tokens WHERE length(access_token) = 0 OR key_id = ''").all(),
      ).toEqual([]);
    } finally {
      db.close();
    }

    const second = await startServer();
    for (const done of answered) {
      const me = await get(second, '/api/me', done.token);
      expect(me.status).toBe(200);
      expect(me.body.user).toMatchObject({ id: done.userId, tikiCustomerId: done.customerId });
    }
    // The stored Tiki tokens decrypt and still work: every answered user's profile comes from Tiki.
    emulator.clearFaults();
    for (const done of answered.slice(0, 10)) {
      const profile = await get(second, '/api/profile', done.token);
      expect(profile.status).toBe(200);
      expect((profile.body.profile as { id: number }).id).toBe(done.customerId);
    }
  }, 60_000);
});

describe('Tiki down or slow, timed by the server', () => {
  it('down: login and profile answer 503 upstream_unavailable within the deadline plus 100 ms; /api/me still answers', async () => {
    const server = await startServer({ TIKI_TIMEOUT_MS: String(DEADLINE_MS) });
    const token = await loggedIn(server, 0);
    const codes = [1, 2, 3].map((n) => code(customer(n)));
    await stopTiki();

    const loginTimes: number[] = [];
    const profileTimes: number[] = [];
    for (const [i, authCode] of codes.entries()) {
      const refused = await answer(
        await fetch(`${server.url}/api/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-request-id': `down-login-${i}` },
          body: JSON.stringify({ authCode }),
        }),
      );
      expect(refused).toMatchObject({ status: 503, body: { error: { code: 'upstream_unavailable' } } });
      loginTimes.push(await responseTime(server, `down-login-${i}`));
      const profile = await get(server, '/api/profile', token, `down-profile-${i}`);
      expect(profile).toMatchObject({ status: 503, body: { error: { code: 'upstream_unavailable' } } });
      profileTimes.push(await responseTime(server, `down-profile-${i}`));
    }
    expect(median(loginTimes)).toBeLessThanOrEqual(DEADLINE_MS + MARGIN_MS);
    expect(median(profileTimes)).toBeLessThanOrEqual(DEADLINE_MS + MARGIN_MS);
    expect((await get(server, '/api/me', token)).status).toBe(200);
  }, 30_000);

  it('slower than the deadline: 503 at the deadline (not before, not a retry later), the exchange sent once', async () => {
    const server = await startServer({ TIKI_TIMEOUT_MS: String(DEADLINE_MS) });
    const token = await loggedIn(server, 0);
    emulator.setFault({ route: 'token', kind: 'latency', ms: 3 * DEADLINE_MS });
    emulator.setFault({ route: 'profile', kind: 'latency', ms: 3 * DEADLINE_MS });

    const exchangesBefore = emulator.countOperation('token');
    const profilesBefore = emulator.countOperation('profile');
    const loginTimes: number[] = [];
    const profileTimes: number[] = [];
    for (let i = 0; i < 3; i++) {
      const slow = await login(server, customer(1 + i), `slow-login-${i}`);
      expect(slow).toMatchObject({ status: 503, body: { error: { code: 'upstream_unavailable' } } });
      loginTimes.push(await responseTime(server, `slow-login-${i}`));
      const profile = await get(server, '/api/profile', token, `slow-profile-${i}`);
      expect(profile).toMatchObject({ status: 503, body: { error: { code: 'upstream_unavailable' } } });
      profileTimes.push(await responseTime(server, `slow-profile-${i}`));
    }
    // One exchange per login and one profile read per request: a timeout is never retried.
    expect(emulator.countOperation('token') - exchangesBefore).toBe(3);
    expect(emulator.countOperation('profile') - profilesBefore).toBe(3);
    for (const times of [loginTimes, profileTimes]) {
      expect(Math.min(...times)).toBeGreaterThanOrEqual(DEADLINE_MS);
      expect(median(times)).toBeLessThanOrEqual(DEADLINE_MS + MARGIN_MS);
    }
  }, 30_000);
});

describe('the connection reset during a refresh, under a burst of 20 requests for the user', () => {
  async function expiredInTikisEyes(server: ChildServer): Promise<string> {
    const token = await loggedIn(server, 0);
    // Tiki's clock moves two hours on: the access token is dead at Tiki, the refresh token (30 days) is not.
    const moved = await fetch(`${tikiOrigin}/__emulator/clock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ advanceMs: 2 * 3_600_000 }),
    });
    expect(moved.status).toBe(200);
    return token;
  }

  it('a reset refresh costs 503s and one more refresh, never a loop, and the user is served again', async () => {
    const server = await startServer();
    const token = await expiredInTikisEyes(server);
    emulator.setFault({ route: 'refresh', kind: 'drop_connection', times: 1 });

    // Requests waiting on the refresh that was reset get 503; requests arriving after it refresh once more
    // (Tiki had not committed, so that works). However many requests, at most that one extra refresh.
    const burst = await Promise.all(Array.from({ length: 20 }, () => get(server, '/api/profile', token)));
    expect(burst[0]?.status).toBe(503);
    for (const each of burst) expect([200, 503]).toContain(each.status);
    for (let i = 0; i < 5; i++) expect((await get(server, '/api/profile', token)).status).toBe(200);
    expect(emulator.countOperation('refresh')).toBe(2);
    expect(emulator.countOperation('refresh', 'ok')).toBe(1);
  }, 30_000);

  it('when Tiki committed the refresh before the reset: consent is asked once, and then Tiki is not called again', async () => {
    const server = await startServer();
    const token = await expiredInTikisEyes(server);
    emulator.setFault({ route: 'refresh', kind: 'drop_response_after_commit', times: 1 });

    // Tiki rotated the refresh token and the answer was lost: requests waiting on that refresh get 503, the
    // next refresh (with the old token) is refused, and from then on consent is asked without calling Tiki.
    const burst = await Promise.all(Array.from({ length: 20 }, () => get(server, '/api/profile', token)));
    expect(burst[0]?.status).toBe(503);
    for (const each of burst) {
      if (each.status !== 503) {
        expect(each).toMatchObject({ status: 401, body: { error: { code: 'tiki_reauth_required' } } });
      }
    }
    const reauth = await get(server, '/api/profile', token);
    expect(reauth).toMatchObject({ status: 401, body: { error: { code: 'tiki_reauth_required' } } });
    const callsAfterReauth = emulator.count('*');
    for (let i = 0; i < 5; i++) {
      expect((await get(server, '/api/profile', token)).body).toMatchObject({
        error: { code: 'tiki_reauth_required' },
      });
    }
    expect(emulator.count('*')).toBe(callsAfterReauth);
    expect(emulator.countOperation('refresh')).toBe(2);
    // Our own session is still good: the mini app can show the user and ask for consent again.
    expect((await get(server, '/api/me', token)).status).toBe(200);
  }, 30_000);
});

describe('SIGTERM with 50 requests in flight', () => {
  it('finishes all 50, refuses new connections, and exits 0 within 10 s', async () => {
    const server = await startServer();
    const token = await loggedIn(server, 0);
    emulator.setFault({ route: 'profile', kind: 'latency', ms: 1500 });

    const before = arrivals.get(PROFILE_PATH) ?? 0;
    const inFlight = Array.from({ length: 50 }, () => get(server, '/api/profile', token));
    // Every one of them is inside the server, waiting on Tiki's answer.
    await until(() => (arrivals.get(PROFILE_PATH) ?? 0) - before >= 50, 20_000);
    const signalledAt = Date.now();
    server.child.kill('SIGTERM');

    const answers = await Promise.all(inFlight);
    expect(answers.map((a) => a.status)).toEqual(Array(50).fill(200));
    // A new connection is refused. (A kept-alive one that finished its answer is closed 1 ms later; a request
    // that beats that millisecond is answered with `Keep-Alive: timeout=0`, then the connection closes.)
    expect(await newConnectionOutcome(server.url)).toBe('ECONNREFUSED');
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalledAt).toBeLessThan(10_000);
  }, 30_000);
});
