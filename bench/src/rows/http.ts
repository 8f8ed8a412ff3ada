import { join } from 'node:path';
import { freePort } from '@tini-starter/tiki-platform/testing/ports';
import type { Child } from '../child.ts';
import { accountCpu } from '../cpu-accounting.ts';
import { atSource, renderDiagnosis } from '../cpu-profile.ts';
import { type FireResult, fire, requireAllOk, type Shot } from '../load-generator.ts';
import { renderTable } from '../markdown.ts';
import { ipnShots, paidOrder, tikiGetOrderShot } from '../payments.ts';
import { perfNodeFlags, recordOnCpu } from '../perf-profile.ts';
import { formatCount, meetsTarget, type RowResult } from '../row.ts';
import { startBareExpress, startFloor, startFloorTiki, startServerUnderTest } from '../server-under-test.ts';
import { runInterleaved, runSideBySide, summarizeRatio } from '../side-by-side.ts';
import { median } from '../stats.ts';
import {
  cycle,
  exchangeShot,
  type LoggedInUser,
  loginShot,
  loginUsers,
  mintCodes,
  range,
  tikiAccessTokens,
} from '../users.ts';
import type { Diagnosis } from './signing.ts';

export const CONNECTIONS = 50;

export interface HttpRowsOptions {
  emulator: Child;
  workDir: string;
  rounds: number;
  secondsPerRun: number;
  loginsPerRun: number;
  /** Customers for the me/profile users and for the login rows (codes cycle through them). */
  customerIds: number[];
  /** An empty PostgreSQL database: the `/api/me` and login rows run again with the server on it. */
  postgresUrl: string;
}

const meShot = (users: () => LoggedInUser) => (): Shot => ({
  path: '/api/me',
  headers: { authorization: `Bearer ${users().token}` },
});
const profileShot = (users: () => LoggedInUser) => (): Shot => ({
  path: '/api/profile',
  headers: { authorization: `Bearer ${users().token}` },
});
const tikiProfileShot = (tokens: () => string) => (): Shot => ({
  path: '/ecom/v1/customers/profile',
  headers: { authorization: `Bearer ${tokens()}` },
});

type AccountedRun = FireResult & { cpuUsPerRequest: Record<string, number> };

/**
 * Median CPU microseconds per answered request of every process, subject and baseline: on 2 shared cores a
 * ratio of throughputs mixes the server's cost with the emulator's and the load generator's; this separates them.
 */
function renderCpuTable(
  rows: Array<[string, { baseline: AccountedRun[]; subject: AccountedRun[] }]>,
): string {
  // PostgreSQL's own processes are not counted: the server's column is what the Node process spends.
  const processes = [
    'server',
    'server (metrics)',
    'floor',
    'floor (Tiki routes)',
    'server (PostgreSQL)',
    'emulator',
    'bare Express',
    'load generator',
  ];
  const cell = (runs: AccountedRun[], name: string) => {
    const value = median(runs.map((r) => r.cpuUsPerRequest[name] ?? 0));
    return value < 5 ? '-' : formatCount(value);
  };
  return [
    'Median over rounds of the CPU time (user + system, `/proc/<pid>/stat`, 10 ms ticks) each process spent ' +
      'during a run, divided by the 2xx answers of that run, in microseconds:',
    '',
    renderTable(
      ['row', 'side', ...processes],
      rows.flatMap(([what, runs]) => [
        [what, 'subject', ...processes.map((name) => cell(runs.subject, name))],
        [what, 'baseline', ...processes.map((name) => cell(runs.baseline, name))],
      ]),
    ),
  ].join('\n');
}

function okRun(what: string, result: FireResult): FireResult {
  requireAllOk(what, result);
  return result;
}

/** A process's median CPU per answered request over the rounds, in µs. */
function cpuOf(runs: AccountedRun[], process: string): number {
  return median(runs.map((r) => r.cpuUsPerRequest[process] ?? 0));
}

function ratioRow(
  what: string,
  against: string,
  target: number,
  runs: { baseline: AccountedRun[]; subject: AccountedRun[] },
  cpu: { subject: string; baseline?: string; budget?: (baselineUs: number) => { us: number; text: string } },
): RowResult {
  const summary = summarizeRatio(
    runs.baseline.map((r) => r.okPerSecond),
    runs.subject.map((r) => r.okPerSecond),
  );
  const subjectUs = cpuOf(runs.subject, cpu.subject);
  const baselineUs = cpu.baseline === undefined ? undefined : cpuOf(runs.baseline, cpu.baseline);
  const budget = cpu.budget?.(baselineUs ?? 0);
  return {
    what,
    against,
    target: { comparison: 'at-least', value: target, unit: 'x' },
    measured: summary.ratio,
    subject: `${formatCount(summary.subject)} req/s`,
    baseline: `${formatCount(summary.baseline)} req/s`,
    rounds: runs.subject.length,
    spread: summary.ratios,
    cpu: {
      subjectUs,
      ...(baselineUs === undefined ? {} : { baselineUs }),
      ...(budget === undefined ? {} : { budgetUs: budget.us, budget: budget.text }),
    },
  };
}

/**
 * What counting costs: the server's CPU per `/api/me` answer with METRICS_PORT set, minus the same server's
 * without (METRICS_PORT=0 counts nothing), paired round by round (the two take their load at the same time).
 */
function metricsCostRow(off: AccountedRun[], on: AccountedRun[]): RowResult {
  const deltas = on.map((run, i) => (run.cpuUsPerRequest['server (metrics)'] ?? 0) - cpuAt(off, i, 'server'));
  const summary = summarizeRatio(
    off.map((r) => r.okPerSecond),
    on.map((r) => r.okPerSecond),
  );
  return {
    what: 'metrics on: server CPU per `GET /api/me` answer added by counting (µs; METRICS_PORT set vs 0)',
    against:
      'the same server and database with METRICS_PORT=0, loaded at the same time (25 connections each)',
    target: { comparison: 'at-most', value: 5, unit: 'µs' },
    measured: median(deltas),
    subject: `${formatCount(summary.subject)} req/s, ${formatCount(cpuOf(on, 'server (metrics)'))} µs`,
    baseline: `${formatCount(summary.baseline)} req/s, ${formatCount(cpuOf(off, 'server'))} µs`,
    rounds: on.length,
    spread: deltas,
  };
}

function cpuAt(runs: AccountedRun[], i: number, process: string): number {
  return runs[i]?.cpuUsPerRequest[process] ?? 0;
}

/** CPU budgets per answered request, steadier than the ratios on shared cores (bench/README.md, "Targets"). */
const ME_BUDGET = (bareUs: number) => ({ us: bareUs + 55, text: 'bare + 55 µs' });
const PROFILE_BUDGET = () => ({ us: 230, text: '230 µs' });
const LOGIN_BUDGET = () => ({ us: 650, text: '650 µs' });

export async function measureHttpRows(
  o: HttpRowsOptions,
): Promise<{ rows: RowResult[]; diagnoses: Diagnosis[] }> {
  const { emulator, rounds } = o;
  const databaseFile = join(o.workDir, 'bench.sqlite');
  const server = await startServerUnderTest({
    emulatorOrigin: emulator.origin,
    databaseFile,
    logFile: join(o.workDir, 'server.log'),
  });
  // The same server with its metrics on (a metrics port), same database: what counting costs `/api/me`.
  const metricsPort = await freePort();
  const metricsServer = await startServerUnderTest({
    emulatorOrigin: emulator.origin,
    databaseFile,
    logFile: join(o.workDir, 'server-metrics.log'),
    env: { METRICS_PORT: String(metricsPort) },
  });
  // The same server on PostgreSQL, for the rows that show what the shared database costs.
  const pgDatabase = { databaseFile, databaseUrl: o.postgresUrl };
  const pgServer = await startServerUnderTest({
    emulatorOrigin: emulator.origin,
    ...pgDatabase,
    logFile: join(o.workDir, 'server-postgres.log'),
  });
  try {
    const users = await loginUsers({
      emulator,
      serverOrigin: server.origin,
      customerIds: o.customerIds.slice(0, CONNECTIONS),
    });
    const pgUsers = await loginUsers({
      emulator,
      serverOrigin: pgServer.origin,
      customerIds: o.customerIds.slice(0, CONNECTIONS),
    });
    const meAnswer = await fetch(`${server.origin}/api/me`, {
      headers: { authorization: `Bearer ${(users[0] as LoggedInUser).token}` },
    });
    const meBody: unknown = await meAnswer.json();
    const bare = await startBareExpress(meBody, join(o.workDir, 'bare-express.log'));
    const floor = await startFloor(databaseFile, join(o.workDir, 'floor.log'));
    const floorTiki = await startFloorTiki({
      databaseFile: join(o.workDir, 'floor-tiki.sqlite'),
      emulatorOrigin: emulator.origin,
      logFile: join(o.workDir, 'floor-tiki.log'),
    });
    const floorUsers = await loginUsers({
      emulator,
      serverOrigin: floorTiki.origin,
      customerIds: o.customerIds.slice(0, CONNECTIONS),
    });
    const tikiTokens = await tikiAccessTokens(emulator, o.customerIds.slice(0, CONNECTIONS));
    const seconds = o.secondsPerRun;
    const run =
      (what: string, next: () => Shot, durationSeconds = seconds) =>
      async (origin: string) =>
        okRun(what, await fire({ origin, connections: CONNECTIONS, durationSeconds, next }));
    const meLoad = run('GET /api/me', meShot(cycle(users)));
    const profileLoad = run('GET /api/profile', profileShot(cycle(users)));
    const loginCustomers = cycle(o.customerIds);
    const loginLoad =
      (what: string, shotOf: (code: string) => Shot) =>
      async (origin: string): Promise<FireResult> => {
        // Codes are minted and requests signed before the clock starts: only the login itself is timed.
        const codes = await mintCodes(
          emulator,
          range(0, o.loginsPerRun).map(() => loginCustomers()),
        );
        const next = cycle(codes.map(shotOf));
        return okRun(what, await fire({ origin, connections: CONNECTIONS, amount: codes.length, next }));
      };
    const serverLogin = loginLoad('POST /api/auth/login', loginShot);
    const order = await paidOrder({ emulator, serverOrigin: server.origin, user: users[0] as LoggedInUser });
    // As many notifications per run as logins: each is built and signed before the clock starts.
    const ipnLoad = async (origin: string): Promise<FireResult> => {
      const shots = ipnShots(order, o.loginsPerRun);
      return okRun(
        'POST /api/tiki/ipn',
        await fire({ origin, connections: CONNECTIONS, amount: shots.length, next: cycle(shots) }),
      );
    };

    // Every measured run also books the CPU each process spent, per answered request.
    const pids = {
      server: server.pid,
      'server (metrics)': metricsServer.pid,
      'server (PostgreSQL)': pgServer.pid,
      emulator: emulator.pid,
      'bare Express': bare.pid,
      floor: floor.pid,
      'floor (Tiki routes)': floorTiki.pid,
    };
    const accounted = (load: () => Promise<FireResult>) => async (): Promise<AccountedRun> => {
      const { value, cpuUs } = await accountCpu(pids, load);
      return {
        ...value,
        cpuUsPerRequest: Object.fromEntries(Object.entries(cpuUs).map(([k, us]) => [k, us / value.ok])),
      };
    };
    const meSubject = accounted(() => meLoad(server.origin));
    const meBaseline = accounted(() => run('bare Express /api/me', meShot(cycle(users)))(bare.origin));
    const profileSubject = accounted(() => profileLoad(server.origin));
    const profileBaseline = accounted(() =>
      run('emulator profile', tikiProfileShot(cycle(tikiTokens)))(emulator.origin),
    );
    const loginSubject = accounted(() => serverLogin(server.origin));
    const loginBaseline = accounted(() =>
      loginLoad('emulator exchange', (code) => exchangeShot(code))(emulator.origin),
    );
    const floorSubject = accounted(() => run('floor GET /api/me', meShot(cycle(users)))(floor.origin));
    const floorLoginSubject = accounted(() =>
      loginLoad('floor POST /api/auth/login', loginShot)(floorTiki.origin),
    );
    const floorProfileSubject = accounted(() =>
      run('floor GET /api/profile', profileShot(cycle(floorUsers)))(floorTiki.origin),
    );
    const mePgLoad = run('GET /api/me (PostgreSQL)', meShot(cycle(pgUsers)));
    const loginPgLoad = loginLoad('POST /api/auth/login (PostgreSQL)', loginShot);
    const mePgSubject = accounted(() => mePgLoad(pgServer.origin));
    const loginPgSubject = accounted(() => loginPgLoad(pgServer.origin));
    const ipnSubject = accounted(() => ipnLoad(server.origin));
    const ipnBaseline = accounted(async () =>
      okRun(
        'emulator GET /order',
        await fire({
          origin: emulator.origin,
          connections: CONNECTIONS,
          amount: o.loginsPerRun,
          next: cycle([tikiGetOrderShot(order)]),
        }),
      ),
    );

    // Warm-up, unmeasured: JIT, connection pools, SQLite page cache.
    await run('warm-up', meShot(cycle(users)), 1)(server.origin);
    await run('warm-up', meShot(cycle(users)), 1)(metricsServer.origin);
    await run('warm-up', meShot(cycle(users)), 1)(bare.origin);
    await run('warm-up', meShot(cycle(users)), 1)(floor.origin);
    await run('warm-up', profileShot(cycle(users)), 1)(server.origin);
    await run('warm-up', profileShot(cycle(floorUsers)), 1)(floorTiki.origin);
    await run('warm-up', tikiProfileShot(cycle(tikiTokens)), 1)(emulator.origin);
    await loginSubject();
    await loginBaseline();
    await floorLoginSubject();
    await ipnSubject();
    await ipnBaseline();
    await run('warm-up', meShot(cycle(pgUsers)), 1)(pgServer.origin);
    await loginPgSubject();

    // Each route with its floor and its PostgreSQL run in the same rounds, against one baseline run per round:
    // a burst of load from elsewhere on the machine hits the row and the reference it is read beside alike.
    const {
      server: me,
      floor: meFloor,
      postgres: mePg,
    } = await runInterleaved({
      rounds,
      baseline: meBaseline,
      subjects: { server: meSubject, floor: floorSubject, postgres: mePgSubject },
    });
    // Metrics on and off at once, half the connections each: whatever else loads the machine then loads both
    // alike, which a cost this small needs (one after the other, the rounds differ by more than it).
    const halfMe = async (origin: string, what: string) =>
      okRun(
        what,
        await fire({
          origin,
          connections: CONNECTIONS / 2,
          durationSeconds: seconds,
          next: meShot(cycle(users)),
        }),
      );
    const metricsOff: AccountedRun[] = [];
    const metricsOn: AccountedRun[] = [];
    for (let round = 0; round < rounds; round++) {
      const { value, cpuUs } = await accountCpu(pids, () =>
        Promise.all([
          halfMe(server.origin, 'GET /api/me (metrics off)'),
          halfMe(metricsServer.origin, 'GET /api/me (metrics on)'),
        ]),
      );
      const [off, on] = value;
      metricsOff.push({ ...off, cpuUsPerRequest: { server: (cpuUs.server ?? 0) / off.ok } });
      metricsOn.push({
        ...on,
        cpuUsPerRequest: { 'server (metrics)': (cpuUs['server (metrics)'] ?? 0) / on.ok },
      });
    }
    // Scraped once, so that the row fails loudly if the metrics server counted nothing.
    const scraped = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    if (!scraped.includes('tini_http_request_duration_seconds_count{route="/api/me"')) {
      throw new Error('bench: the metrics server did not count its /api/me answers');
    }
    const { server: profile, floor: profileFloor } = await runInterleaved({
      rounds,
      baseline: profileBaseline,
      subjects: { server: profileSubject, floor: floorProfileSubject },
    });
    const {
      server: login,
      floor: loginFloor,
      postgres: loginPg,
    } = await runInterleaved({
      rounds,
      baseline: loginBaseline,
      subjects: { server: loginSubject, floor: floorLoginSubject, postgres: loginPgSubject },
    });
    const ipn = await runSideBySide({ rounds, baseline: ipnBaseline, subject: ipnSubject });
    await bare.stop();
    await floor.stop();
    await floorTiki.stop();

    const tail = me.subject.map((r) => r.p99Ms / r.p50Ms);
    const rows: RowResult[] = [
      ratioRow(
        '`GET /api/me` with a valid session (req/s, 50 connections)',
        'a bare Express 5 route returning the same JSON, same process setup',
        0.62,
        me,
        { subject: 'server', baseline: 'bare Express', budget: ME_BUDGET },
      ),
      ratioRow(
        'reference: the floor of `GET /api/me` (all the work it needs, no application code; processes/floor-me.ts)',
        'the same bare Express 5 route',
        0.62,
        meFloor,
        { subject: 'floor', baseline: 'bare Express', budget: ME_BUDGET },
      ),
      ratioRow(
        '`GET /api/profile`, token fresh, emulator answering (req/s)',
        "the emulator's profile route hit directly",
        0.4,
        profile,
        { subject: 'server', budget: PROFILE_BUDGET },
      ),
      ratioRow(
        'reference: the floor of `GET /api/profile` (all the work it needs, no application code; processes/floor-tiki.ts)',
        "the same profile route of the emulator's",
        0.4,
        profileFloor,
        { subject: 'floor (Tiki routes)', budget: PROFILE_BUDGET },
      ),
      ratioRow(
        '`POST /api/auth/login` full flow (req/s)',
        "the emulator's exchange alone (signed requests built beforehand)",
        0.28,
        login,
        { subject: 'server', budget: LOGIN_BUDGET },
      ),
      ratioRow(
        'reference: the floor of `POST /api/auth/login` (all the work it needs, no application code; processes/floor-tiki.ts)',
        "the same exchange of the emulator's",
        0.28,
        loginFloor,
        { subject: 'floor (Tiki routes)', budget: LOGIN_BUDGET },
      ),
      ratioRow(
        '`POST /api/tiki/ipn`: verified, deduped, the order re-read from Tiki (req/s)',
        "the emulator's signed `GET /order` alone",
        0.3,
        ipn,
        { subject: 'server' },
      ),
      ratioRow(
        '`GET /api/me` on PostgreSQL (req/s, 50 connections)',
        'a bare Express 5 route returning the same JSON, same process setup',
        0.62,
        mePg,
        { subject: 'server (PostgreSQL)', baseline: 'bare Express' },
      ),
      ratioRow(
        '`POST /api/auth/login` full flow on PostgreSQL (req/s)',
        "the emulator's exchange alone (signed requests built beforehand)",
        0.28,
        loginPg,
        { subject: 'server (PostgreSQL)' },
      ),
      metricsCostRow(metricsOff, metricsOn),
      {
        what: 'p99 latency of `GET /api/me` at 50 connections',
        against: 'p50 of the same run',
        target: { comparison: 'at-most', value: 5, unit: 'x' },
        measured: median(tail),
        subject: `p99 ${median(me.subject.map((r) => r.p99Ms)).toFixed(1)} ms`,
        baseline: `p50 ${median(me.subject.map((r) => r.p50Ms)).toFixed(1)} ms`,
        rounds,
        spread: tail,
      },
    ];

    const diagnoses: Diagnosis[] = [
      {
        what: 'CPU per answered request, every process (HTTP rows)',
        text: renderCpuTable([
          ['`GET /api/me`', me],
          ['floor of `GET /api/me`', meFloor],
          ['`GET /api/profile`', profile],
          ['floor of `GET /api/profile`', profileFloor],
          ['`POST /api/auth/login`', login],
          ['floor of `POST /api/auth/login`', loginFloor],
          ['`POST /api/tiki/ipn`', ipn],
          ['`GET /api/me` on PostgreSQL', mePg],
          [
            '`GET /api/me`, metrics on (subject) and off (baseline) at once',
            { subject: metricsOn, baseline: metricsOff },
          ],
          ['`POST /api/auth/login` on PostgreSQL', loginPg],
        ]),
      },
    ];
    const sqlite = { databaseFile };
    const loads = [
      [meLoad, sqlite],
      [undefined, undefined],
      [profileLoad, sqlite],
      [undefined, undefined],
      [serverLogin, sqlite],
      [undefined, undefined],
      [ipnLoad, sqlite],
      [mePgLoad, pgDatabase],
      [loginPgLoad, pgDatabase],
      // The metrics row is its own diagnosis: on and off are the same code but for the counting.
      [undefined, undefined],
      [meLoad, sqlite],
    ] as const;
    for (const [index, row] of rows.entries()) {
      const [load, database] = loads[index] ?? [];
      if (meetsTarget(row) || !load || !database) continue;
      // A profile explains a miss; one that fails must not throw the measured rows away.
      let text = await profileServerUnder(o, database, load).catch(
        (err: unknown) => `The profile failed: ${err instanceof Error ? err.message : String(err)}`,
      );
      if (index === 0) text += `\n\n${await loggingAb(o, databaseFile, meLoad)}`;
      diagnoses.push({ what: row.what, text });
    }
    return { rows, diagnoses };
  } finally {
    await server.stop();
    await metricsServer.stop();
    await pgServer.stop();
  }
}

/**
 * The request log's share, measured rather than read off a profile: the same load, alternating between a
 * server logging at info (the default, one line per request) and one at warn, same database.
 */
async function loggingAb(
  o: HttpRowsOptions,
  databaseFile: string,
  load: (origin: string) => Promise<FireResult>,
): Promise<string> {
  const quiet = await startServerUnderTest({
    emulatorOrigin: o.emulator.origin,
    databaseFile,
    logFile: join(o.workDir, 'server-quiet.log'),
    env: { LOG_LEVEL: 'warn' },
  });
  const loud = await startServerUnderTest({
    emulatorOrigin: o.emulator.origin,
    databaseFile,
    logFile: join(o.workDir, 'server-loud.log'),
  });
  try {
    await load(quiet.origin);
    await load(loud.origin);
    const runs = await runSideBySide({
      rounds: 3,
      baseline: async () => (await load(loud.origin)).okPerSecond,
      subject: async () => (await load(quiet.origin)).okPerSecond,
    });
    const summary = summarizeRatio(runs.baseline, runs.subject);
    return (
      `The same load against a server with \`LOG_LEVEL=warn\` (no request log line) and one at the default ` +
      `\`info\`, alternating, 3 rounds: ${formatCount(summary.subject)} vs ${formatCount(summary.baseline)} req/s, ` +
      `so the request log costs ${((summary.ratio - 1) * 100).toFixed(0)}% of throughput` +
      (summary.ratio < 1 ? ' (negative: within noise).' : '.')
    );
  } finally {
    await quiet.stop();
    await loud.stop();
  }
}

/**
 * A second server process on the same database (sessions and tokens are shared) takes the subject's load once,
 * profiled on CPU time by perf (perf-profile.ts; `pnpm bench` checks perf is there before it starts).
 */
async function profileServerUnder(
  o: HttpRowsOptions,
  database: { databaseFile: string; databaseUrl?: string },
  load: (origin: string) => Promise<FireResult>,
): Promise<string> {
  const profiled = await startServerUnderTest({
    emulatorOrigin: o.emulator.origin,
    ...database,
    logFile: join(o.workDir, 'server-profiled.log'),
    nodeFlags: perfNodeFlags(o.workDir),
  });
  try {
    // A fresh process spends its first run compiling (a fifth of its CPU time): the measured server had
    // warmed up before its rounds, so the profile is of a second run.
    await load(profiled.origin);
    const times = await recordOnCpu(profiled.pid, o.workDir, async () => {
      await load(profiled.origin);
    });
    return [
      "On-CPU profile of a server process (same database) under one run of the subject's load, after one " +
        "unrecorded run to warm it up: perf's `cpu-clock` samples of every thread of the process, so the " +
        'shares are of CPU time, whatever else ran on the cores. Time in V8 builtins, Node bindings and libc ' +
        'is charged to the JavaScript function that called them; frames of the bundle are put back at their ' +
        'source by its map.',
      '',
      renderDiagnosis(atSource(times)),
    ].join('\n');
  } finally {
    await profiled.stop('SIGTERM');
  }
}
