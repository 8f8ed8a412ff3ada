import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createManualClock } from '@tini-starter/tiki-platform/clock';
import Database from 'better-sqlite3';
import express from 'express';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../logger.ts';
import { openSqliteStore } from '../store/sqlite-store.ts';
import type { Store } from '../store/store.ts';
import { errorHandler } from './error-handler.ts';
import { type Listening, listen } from './listen.ts';
import {
  attemptTakenBack,
  clientAddressKey,
  countedAttempt,
  limitRequests,
  limitTikiCallsPerUser,
} from './rate-limit.ts';
import { installRequestLogging } from './request-logging.ts';

const WINDOW_MS = 60_000;
const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);

let server: Listening | undefined;
let store: (Store & { file: string }) | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await server?.stop(200);
  await store?.close();
  server = undefined;
  store = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/**
 * A real server on a real SQLite file: `/plain` limited to 3 per window by client address, `/login` counting
 * failures only (`?status=` picks the answer; `&takeBack=1` has the route take its count back itself, as the
 * login does in its transaction), `/user/:id` limited per user as the Tiki-backed routes are.
 */
async function start(o: { busyTimeoutMs?: number } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'rate-limit-'));
  dirs.push(dir);
  store = openSqliteStore(join(dir, 'server.sqlite'), { busyTimeoutMs: o.busyTimeoutMs ?? 5000 });
  const clock = createManualClock(T0);
  const shared = { store, clock };
  const app = express();
  installRequestLogging(app, createLogger({ level: 'silent' }));
  const seenKeys: Array<string | undefined> = [];
  app.get(
    '/plain',
    limitRequests({ name: 'plain', shared, max: 3, windowMs: WINDOW_MS, message: 'Too many' }),
    (_req, res) => {
      res.json({ ok: true });
    },
  );
  app.get(
    '/login',
    limitRequests({
      name: 'login',
      shared,
      max: 2,
      windowMs: WINDOW_MS,
      message: 'Too many',
      failuresOnly: true,
    }),
    async (req, res) => {
      const key = countedAttempt(res, 'login');
      seenKeys.push(key);
      if (req.query.takeBack === '1' && key !== undefined) {
        await store?.unhitRateLimit(key, clock.now());
        attemptTakenBack(res, 'login');
      }
      res.status(Number(req.query.status ?? 200)).json({ ok: true });
    },
  );
  app.get(
    '/user/:id',
    (req, res, next) => {
      res.locals.session = { userId: req.params.id };
      next();
    },
    limitTikiCallsPerUser(shared, { max: 1, windowMs: WINDOW_MS }),
    (_req, res) => {
      res.json({ ok: true });
    },
  );
  app.use(errorHandler);
  server = await listen(app, { host: '127.0.0.1', port: 0 });
  const db = new Database(store.file, { readonly: true });
  const hits = (key: string) =>
    (db.prepare('SELECT hits FROM rate_limits WHERE key = ?').get(key) as { hits: number } | undefined)?.hits;
  const url = server.url;
  const get = async (path: string) => {
    const res = await fetch(`${url}${path}`);
    return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
  };
  return { clock, get, hits, seenKeys, file: store.file };
}

describe('limitRequests', () => {
  it('counts every request by client address, says so in the draft-7 headers, and answers 429 past the limit', async () => {
    const { get, clock } = await start();
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await get('/plain'));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(answers[0]?.headers.get('ratelimit-policy')).toBe('3;w=60');
    expect(answers.map((a) => a.headers.get('ratelimit'))).toEqual([
      'limit=3, remaining=2, reset=60',
      'limit=3, remaining=1, reset=60',
      'limit=3, remaining=0, reset=60',
    ]);
    clock.advance(20_500);
    const limited = await get('/plain');
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ error: { code: 'rate_limited', message: 'Too many' } });
    expect(limited.headers.get('retry-after')).toBe('40'); // 39.5 s left, rounded up
    expect(limited.headers.get('ratelimit')).toBe('limit=3, remaining=0, reset=40');
    // The window ends: the next request opens a new one.
    clock.advance(39_500);
    const again = await get('/plain');
    expect(again.status).toBe(200);
    expect(again.headers.get('ratelimit')).toBe('limit=3, remaining=2, reset=60');
  });

  it('failuresOnly: counts each attempt on arrival, keeps failures, takes a success back once, never twice', async () => {
    const { get, hits, seenKeys } = await start();
    const key = 'login:127.0.0.1';
    expect((await get('/login?status=401')).status).toBe(401);
    expect(hits(key)).toBe(1);
    // A success is counted while it runs (the route saw its key) and taken back when it ends.
    expect((await get('/login')).status).toBe(200);
    expect(seenKeys.at(-1)).toBe(key);
    await vi.waitFor(() => expect(hits(key)).toBe(1));
    // A success the route took back itself is not taken back a second time.
    expect((await get('/login?takeBack=1')).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(hits(key)).toBe(1);
    // Failures of any kind stay counted, up to the limit; then 429, which counts as well.
    expect((await get('/login?status=502')).status).toBe(502);
    expect(hits(key)).toBe(2);
    const limited = await get('/login');
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ error: { code: 'rate_limited' } });
    expect(hits(key)).toBe(3);
  });

  it('the per-user limit counts each user apart, whatever address their requests come from', async () => {
    const { get, hits } = await start();
    expect((await get('/user/u1')).status).toBe(200);
    expect((await get('/user/u2')).status).toBe(200);
    expect((await get('/user/u1')).status).toBe(429);
    expect(hits('tiki-routes:u1')).toBe(2);
    expect(hits('tiki-routes:u2')).toBe(1);
  });

  it('a database locked by another process: the request waits for the lock, is counted, then served', async () => {
    const { get, hits, file } = await start();
    const other = new Database(file);
    other.exec('BEGIN IMMEDIATE');
    const waiting = get('/plain');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(hits('plain:127.0.0.1')).toBeUndefined(); // nothing counted, nothing served while the lock is held
    other.exec('ROLLBACK');
    other.close();
    const answer = await waiting;
    expect(answer.status).toBe(200);
    expect(answer.headers.get('ratelimit')).toBe('limit=3, remaining=2, reset=60');
    expect(hits('plain:127.0.0.1')).toBe(1);
  });

  it('a store that cannot count within its deadline: 503 storage_unavailable, never served uncounted', async () => {
    const { get, file } = await start({ busyTimeoutMs: 200 });
    const other = new Database(file);
    other.exec('BEGIN IMMEDIATE');
    const refused = await get('/plain');
    other.exec('ROLLBACK');
    other.close();
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ error: { code: 'storage_unavailable' } });
  });

  it('a store that fails outright fails the request through the error handler', async () => {
    const { get } = await start();
    await store?.close();
    const failed = await get('/plain');
    expect(failed.status).toBe(500);
    expect(failed.body).toMatchObject({ error: { code: 'internal' } });
    expect(JSON.stringify(failed.body)).not.toMatch(/sqlite|database/i);
    store = undefined;
  });
});

describe('clientAddressKey', () => {
  it('counts IPv4 by address, also as IPv4-mapped IPv6 from a dual-stack socket', () => {
    expect(clientAddressKey('203.0.113.7')).toBe('203.0.113.7');
    expect(clientAddressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientAddressKey('::FFFF:cb00:7107')).toBe('203.0.113.7'); // the same, written in hex
  });

  it('counts IPv6 by its /56: a subscriber cannot take a fresh key with each address of its prefix', () => {
    expect(clientAddressKey('2001:db8:abcd:12ff:1:2:3:4')).toBe('2001:db8:abcd:1200::/56');
    expect(clientAddressKey('2001:db8:abcd:1234::9')).toBe('2001:db8:abcd:1200::/56');
    expect(clientAddressKey('2001:db8:abcd:1300::9')).toBe('2001:db8:abcd:1300::/56');
  });

  it('puts every address it cannot read in one bucket', () => {
    expect(clientAddressKey(undefined)).toBe('unknown');
    expect(clientAddressKey('not-an-address')).toBe('unknown');
  });
});
