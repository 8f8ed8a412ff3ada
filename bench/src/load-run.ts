/**
 * The load run: 100 connections for 30 s against /api/me and /api/profile for 200 users whose
 * Tiki access tokens expire in the middle of the run, with one server process or two sharing the SQLite file,
 * or three sharing one PostgreSQL database.
 *
 * Timing: the emulator issues access tokens that live 25 s and the server refreshes 5 s ahead of expiry
 * (TIKI_REFRESH_MARGIN_MS), so each user's token is refreshed about 20 s after their login, i.e. in the
 * middle of the 30 s run, and the refreshed token (another 25 s) outlives the run: exactly one refresh per
 * user is the right answer. That holds while the 200 logins take less than 8 s; the run refuses to start
 * otherwise rather than report a misleading count.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Child } from './child.ts';
import { BENCH_FIRST_CUSTOMER_ID } from './customers.ts';
import { type FireResult, fire, type Shot } from './load-generator.ts';
import { startEmulatorChild, startServerUnderTest } from './server-under-test.ts';
import { cycle, type LoggedInUser, loginUsers, range } from './users.ts';

export const LOAD_USERS = 200;
export const LOAD_CONNECTIONS = 100;
export const ACCESS_TOKEN_MS = 25_000;
export const REFRESH_MARGIN_MS = 5_000;
const MAX_LOGIN_PHASE_MS = 8_000;

export interface LoadRunResult {
  processes: number;
  store: 'SQLite' | 'PostgreSQL';
  seconds: number;
  requests: number;
  ok: number;
  non2xx: number;
  timeouts: number;
  errors: number;
  statuses: Record<string, number>;
  loginPhaseMs: number;
  emulator: {
    refresh: number;
    refreshOk: number;
    profile: number;
    profileOk: number;
    /** How many users the emulator refreshed exactly once, more than once, or never. */
    usersRefreshedOnce: number;
    usersRefreshedMoreThanOnce: number;
    usersNeverRefreshed: number;
    refreshesOfUnknownUsers: number;
    firstRefreshSecondsIntoRun: number;
    lastRefreshSecondsIntoRun: number;
  };
  /** From the servers' own logs: 'tiki access token refreshed' lines per user. */
  serverLogRefreshes: number;
  passed: boolean;
  problems: string[];
}

function mergeStatuses(results: FireResult[]): Record<string, number> {
  const merged: Record<string, number> = {};
  for (const r of results) {
    for (const [status, count] of Object.entries(r.statuses)) merged[status] = (merged[status] ?? 0) + count;
  }
  return merged;
}

async function countLogLines(files: string[], message: string): Promise<number> {
  let count = 0;
  for (const file of files) {
    const text = await readFile(file, 'utf8').catch(() => '');
    for (const line of text.split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        if ((JSON.parse(line) as { msg?: string }).msg === message) count++;
      } catch {
        // Not a log line.
      }
    }
  }
  return count;
}

export async function runLoad(o: {
  processes: 1 | 2 | 3;
  seconds: number;
  workDir: string;
  /** A PostgreSQL database every process shares; without it, one SQLite file. */
  databaseUrl?: string;
}): Promise<LoadRunResult> {
  const emulator = await startEmulatorChild({
    customers: LOAD_USERS,
    lifetimes: { accessTokenMs: ACCESS_TOKEN_MS, authCodeMs: 10 * 60_000 },
    trackRefreshes: true,
    logFile: join(o.workDir, `emulator-${o.processes}.log`),
  });
  const servers: Child[] = [];
  const logFiles = range(0, o.processes).map((i) => join(o.workDir, `server-${o.processes}-${i}.log`));
  try {
    const databaseFile = join(o.workDir, `load-${o.processes}.sqlite`);
    for (const logFile of logFiles) {
      servers.push(
        await startServerUnderTest({
          emulatorOrigin: emulator.origin,
          databaseFile,
          ...(o.databaseUrl ? { databaseUrl: o.databaseUrl } : {}),
          logFile,
          env: { TIKI_REFRESH_MARGIN_MS: String(REFRESH_MARGIN_MS) },
        }),
      );
    }
    const first = servers[0] as Child;
    const customerIds = range(BENCH_FIRST_CUSTOMER_ID, LOAD_USERS);
    const loginStarted = Date.now();
    const users = await loginUsers({ emulator, serverOrigin: first.origin, customerIds, concurrency: 20 });
    const loginPhaseMs = Date.now() - loginStarted;
    if (loginPhaseMs > MAX_LOGIN_PHASE_MS) {
      throw new Error(
        `bench: the ${LOAD_USERS} logins took ${loginPhaseMs} ms (> ${MAX_LOGIN_PHASE_MS}): tokens would not ` +
          'expire once mid-run; the machine is too busy for this run',
      );
    }
    // Counts cover the run only; the emulator keeps which refresh token belongs to which customer.
    await emulator.call('clearRequests');

    // 100 connections split as evenly as whole numbers allow (34, 33, 33 for three).
    const connectionsOf = (i: number) =>
      Math.floor(LOAD_CONNECTIONS / servers.length) + (i < LOAD_CONNECTIONS % servers.length ? 1 : 0);
    const runStartedAt = Date.now();
    const runs = await Promise.all(
      servers.map((server, i) => {
        // Every server sees every user, so the processes race for the same users' refreshes.
        const nextUser = cycle<LoggedInUser>(users);
        let k = 0;
        const next = (): Shot => {
          const user = nextUser();
          const path = Math.floor(k++ / LOAD_USERS) % 2 === 0 ? '/api/profile' : '/api/me';
          return { path, headers: { authorization: `Bearer ${user.token}` } };
        };
        return fire({
          origin: server.origin,
          connections: connectionsOf(i),
          durationSeconds: o.seconds,
          timeoutSeconds: 10,
          next,
        });
      }),
    );

    const counts = await emulator.call<Record<string, number>>('counts');
    const booked = await emulator.call<{
      byCustomer: [number, number][];
      unknownCustomer: number;
      firstAt: number | null;
      lastAt: number | null;
    }>('refreshesByCustomer');
    const intoRun = (at: number | null) => (at === null ? Number.NaN : (at - runStartedAt) / 1000);
    const refreshes = new Map(booked.byCustomer);
    const perUser = customerIds.map((id) => refreshes.get(id) ?? 0);
    const emulatorCounts = {
      refresh: counts.refresh ?? 0,
      refreshOk: counts.refreshOk ?? 0,
      profile: counts.profile ?? 0,
      profileOk: counts.profileOk ?? 0,
      usersRefreshedOnce: perUser.filter((n) => n === 1).length,
      usersRefreshedMoreThanOnce: perUser.filter((n) => n > 1).length,
      usersNeverRefreshed: perUser.filter((n) => n === 0).length,
      refreshesOfUnknownUsers: booked.unknownCustomer,
      firstRefreshSecondsIntoRun: intoRun(booked.firstAt),
      lastRefreshSecondsIntoRun: intoRun(booked.lastAt),
    };
    for (const server of servers) await server.stop();
    const serverLogRefreshes = await countLogLines(logFiles, 'tiki access token refreshed');

    const result = {
      processes: o.processes,
      store: o.databaseUrl ? ('PostgreSQL' as const) : ('SQLite' as const),
      seconds: Math.max(...runs.map((r) => r.seconds)),
      requests: runs.reduce((a, r) => a + r.requests, 0),
      ok: runs.reduce((a, r) => a + r.ok, 0),
      non2xx: runs.reduce((a, r) => a + r.non2xx, 0),
      timeouts: runs.reduce((a, r) => a + r.timeouts, 0),
      errors: runs.reduce((a, r) => a + r.errors, 0),
      statuses: mergeStatuses(runs),
      loginPhaseMs,
      emulator: emulatorCounts,
      serverLogRefreshes,
    };
    const problems: string[] = [];
    if (result.non2xx > 0) problems.push(`${result.non2xx} non-2xx answers`);
    if (result.timeouts > 0) problems.push(`${result.timeouts} timeouts`);
    if (result.errors > 0) problems.push(`${result.errors} connection errors`);
    if (emulatorCounts.usersRefreshedOnce !== LOAD_USERS) {
      problems.push(
        `${emulatorCounts.usersRefreshedOnce} of ${LOAD_USERS} users refreshed exactly once ` +
          `(${emulatorCounts.usersRefreshedMoreThanOnce} more than once, ${emulatorCounts.usersNeverRefreshed} never)`,
      );
    }
    if (emulatorCounts.refresh !== LOAD_USERS || emulatorCounts.refreshOk !== LOAD_USERS) {
      problems.push(`the emulator saw ${emulatorCounts.refresh} refreshes (${emulatorCounts.refreshOk} ok)`);
    }
    return { ...result, passed: problems.length === 0, problems };
  } finally {
    for (const server of servers) await server.stop();
    await emulator.stop();
  }
}
