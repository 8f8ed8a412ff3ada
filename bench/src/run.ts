/**
 * `pnpm bench`: every row, side by side, one Markdown table printed and written to
 * bench/results.md. BENCH_ROUNDS (default 7), BENCH_SECONDS per HTTP run (default 3), BENCH_LOGINS per
 * login run (default 1000) trade time for precision. BENCH_ONLY=signing|http|memory runs one part and prints
 * it with its profiles, without touching results.md.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPostgres, type TestPostgres } from '@tini-starter/server/testing/postgres';
import { BENCH_FIRST_CUSTOMER_ID } from './customers.ts';
import { renderResults, renderResultsTable, writeResults } from './results.ts';
import type { RowResult } from './row.ts';
import { measureClientRow } from './rows/client.ts';
import { CONNECTIONS, measureHttpRows } from './rows/http.ts';
import { measureMemoryRow } from './rows/memory.ts';
import { type Diagnosis, measureSigningRows } from './rows/signing.ts';
import { startEmulatorChild } from './server-under-test.ts';
import { range, tikiAccessTokens } from './users.ts';

const RESULTS_FILE = fileURLToPath(new URL('../results.md', import.meta.url));
const LOGIN_POOL = 2000;
const MEMORY_LOGINS = 10_000;

function positiveInteger(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`bench: ${name} must be a positive integer, got "${raw}"`);
  return value;
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const rounds = positiveInteger('BENCH_ROUNDS', 7);
  const secondsPerRun = positiveInteger('BENCH_SECONDS', 3);
  const loginsPerRun = positiveInteger('BENCH_LOGINS', 1000);
  const only = process.env.BENCH_ONLY ?? '';
  if (!['', 'signing', 'http', 'memory'].includes(only)) {
    throw new Error(`bench: BENCH_ONLY is signing, http or memory, got "${only}"`);
  }
  const runs = (part: string) => only === '' || only === part;
  const workDir = await mkdtemp(join(tmpdir(), 'tini-bench-'));
  const rows: RowResult[] = [];
  const diagnoses: Diagnosis[] = [];
  let memoryNote = '';
  const progress = (text: string) => process.stderr.write(`bench: ${text}\n`);

  // Many short rounds: a neighbour's burst on the shared cores spoils one 150 ms pair, not the median.
  const signingRounds = rounds * 3;
  if (runs('signing')) {
    progress('signing and verifying');
    const signing = await measureSigningRows({ rounds: signingRounds, sampleMs: 150 });
    rows.push(...signing.rows);
    diagnoses.push(...signing.diagnoses);
  }

  if (runs('http') || runs('memory')) {
    const emulator = await startEmulatorChild({
      customers: LOGIN_POOL + MEMORY_LOGINS,
      lifetimes: { authCodeMs: 30 * 60_000 },
      logFile: join(workDir, 'emulator.log'),
    });
    // The PostgreSQL rows' database server: a throwaway cluster, or TEST_DATABASE_URL's server.
    const postgres = runs('http') ? await startPostgres() : undefined;
    try {
      if (runs('http')) {
        progress(
          `HTTP rows (${rounds} rounds of ${secondsPerRun} s per side, ${loginsPerRun} logins per login run)`,
        );
        const http = await measureHttpRows({
          emulator,
          workDir,
          rounds,
          secondsPerRun,
          loginsPerRun,
          customerIds: range(BENCH_FIRST_CUSTOMER_ID, LOGIN_POOL),
          postgresUrl: await (postgres as TestPostgres).createDatabase(),
        });
        rows.push(...http.rows);
        diagnoses.push(...http.diagnoses);
        progress('the Tiki client alone, CPU per call');
        rows.push(
          await measureClientRow({
            emulator,
            rounds,
            callsPerRun: loginsPerRun * 2,
            tikiTokens: await tikiAccessTokens(emulator, range(BENCH_FIRST_CUSTOMER_ID, CONNECTIONS)),
          }),
        );
      }
      if (runs('memory')) {
        progress(`RSS over ${MEMORY_LOGINS} logins of distinct users`);
        const memory = await measureMemoryRow({
          emulator,
          workDir,
          customerIds: range(BENCH_FIRST_CUSTOMER_ID + LOGIN_POOL, MEMORY_LOGINS),
        });
        rows.push(memory.row);
        // Shown whether or not the row is met: the split between live heap and the rest is the useful part.
        memoryNote = memory.diagnosis;
      }
    } finally {
      await emulator.stop();
      await postgres?.close();
    }
  }

  const markdown = renderResults(rows, {
    startedAt,
    durationMs: Date.now() - startedAt.getTime(),
    diagnoses: memoryNote
      ? [...diagnoses, { what: 'Memory over 10,000 logins', text: memoryNote }]
      : diagnoses,
    method: [
      `Signing rows: in the bench process, ${signingRounds} rounds of 150 ms per side after a warm-up; the 1 KB body ` +
        'is JSON with Vietnamese text; both sides sign the same timestamp, client id and body.',
      'HTTP rows: the server is its own Node process running its production bundle as `pnpm start` does ' +
        "(esbuild's build of `apps/server/src/main.ts`, `node --enable-source-maps`, configured by environment " +
        'only, JSON logs at info to a file, login rate limit lifted); the emulator and the bare Express baseline ' +
        'are their own processes too, running their sources through tsx. ' +
        `autocannon runs in the bench process with ${CONNECTIONS} connections, ${secondsPerRun} s per run ` +
        `(logins: ${loginsPerRun} per run, codes minted and exchange requests signed before the clock starts). ` +
        'Only 2xx answers count; a run with any non-2xx, error or timeout aborts the bench.',
      'Rows "on PostgreSQL": the same server with `DATABASE_URL` set, against a throwaway PostgreSQL cluster on ' +
        "loopback (Debian's package, `fsync=off`: a test cluster), measured against the same baselines.",
      'The machine has 2 cores: the load generator, the server and (for profile and login) the emulator share ' +
        'them, on both sides of each ratio.',
      "Server CPU per request: the server process's user + system time during each run (`/proc/<pid>/stat`) over " +
        'its 2xx answers, median over rounds; steadier than a ratio on shared cores. Rows with a budget (' +
        '`/api/me` at most the bare route + 55 µs, `/api/profile` 230 µs, login 650 µs) are met only when the ' +
        'ratio and the budget both are.',
      'The floor row runs `processes/floor-me.ts`: doing every piece of work `/api/me` must do ' +
        '(helmet, routers, no-store, bearer, sha256, one prepared SQLite JOIN on the same database, touch once a ' +
        'minute, a request id, one pino line) and nothing else, beside the server in the same run. The server and ' +
        "the floors create their HTTP servers with requests and responses born with the Express app's prototypes " +
        '(`apps/server/src/http/listen.ts`), which spares Express its per-request `Object.setPrototypeOf`; the ' +
        'bare Express baseline is Express as shipped.',
      "The Tiki client row: in the bench process, the project's `getCustomerProfile` against a bare undici " +
        '`Pool.request` of the same emulator route (body read and parsed), 50 calls in flight, ' +
        `${loginsPerRun * 2} calls per run; the bench process's CPU per call (\`process.cpuUsage\`).`,
      'Latency percentiles are nearest-rank over every 2xx answer of the run, in fractional milliseconds.',
      `RSS: a fresh server process and database; /proc/<pid>/status VmRSS after /readyz, then 1 s after ` +
        `${MEMORY_LOGINS} logins of distinct customers (${CONNECTIONS} connections) and every 5 s up to 60 s: ` +
        'the row judges the 60 s sample (what the logins cost for good, once V8 has given back the heap it grew ' +
        'under load) and shows the 1 s one (that peak). This is what the OS sees; every sample and the GC ' +
        'split are below.',
      'A missed HTTP row gets an on-CPU profile of the subject (perf `cpu-clock` samples of a second server process on the same database, after a warm-up run) below the table; the signing rows get the inspector profiler.',
    ],
  });
  await rm(workDir, { recursive: true, force: true });
  if (only !== '') {
    // A partial run never replaces the full table: results.md always holds every row of one run.
    process.stdout.write(`${markdown}\n(BENCH_ONLY=${only}: not written to ${RESULTS_FILE})\n`);
    return;
  }
  await writeResults(RESULTS_FILE, markdown);
  process.stdout.write(`${renderResultsTable(rows)}\n\nWritten to ${RESULTS_FILE}\n`);
}

await main();
