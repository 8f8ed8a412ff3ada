/**
 * `pnpm bench:load`: the load run with one server process, then with two sharing the SQLite file, then three
 * sharing one PostgreSQL database (a throwaway cluster, or TEST_DATABASE_URL's server). Prints the counts as a
 * Markdown table; exits 1 when any promise it checks is broken. LOAD_SECONDS (default 30).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgres } from '@tini-starter/server/testing/postgres';
import { LOAD_CONNECTIONS, LOAD_USERS, type LoadRunResult, runLoad } from './load-run.ts';
import { renderTable } from './markdown.ts';

const seconds = Number(process.env.LOAD_SECONDS ?? 30);
if (!Number.isInteger(seconds) || seconds < 1)
  throw new Error('bench: LOAD_SECONDS must be a positive integer');

const workDir = await mkdtemp(join(tmpdir(), 'tini-load-'));
const results: LoadRunResult[] = [];
const postgres = await startPostgres();
try {
  for (const [processes, store] of [
    [1, 'SQLite'],
    [2, 'SQLite'],
    [3, 'PostgreSQL'],
  ] as const) {
    process.stderr.write(
      `load: ${processes} server process(es) on ${store}, ${LOAD_CONNECTIONS} connections, ${seconds} s, ` +
        `${LOAD_USERS} users\n`,
    );
    const databaseUrl = store === 'PostgreSQL' ? await postgres.createDatabase() : undefined;
    results.push(await runLoad({ processes, seconds, workDir, ...(databaseUrl ? { databaseUrl } : {}) }));
  }
} finally {
  await postgres.close();
  await rm(workDir, { recursive: true, force: true });
}

const table = renderTable(
  [
    'server processes',
    'database',
    'requests',
    '2xx',
    'non-2xx',
    'timeouts',
    'errors',
    'req/s',
    'Tiki refreshes (ok)',
    'users refreshed exactly once',
    'profile calls to Tiki (ok)',
    'refreshes happened (s into the run)',
    'refreshes in server logs',
    'verdict',
  ],
  results.map((r) => [
    String(r.processes),
    r.store,
    String(r.requests),
    `${r.ok} (login phase ${(r.loginPhaseMs / 1000).toFixed(1)} s before)`,
    String(r.non2xx),
    String(r.timeouts),
    String(r.errors),
    (r.requests / r.seconds).toFixed(0),
    `${r.emulator.refresh} (${r.emulator.refreshOk})`,
    `${r.emulator.usersRefreshedOnce} / ${LOAD_USERS}`,
    `${r.emulator.profile} (${r.emulator.profileOk})`,
    `${r.emulator.firstRefreshSecondsIntoRun.toFixed(1)}-${r.emulator.lastRefreshSecondsIntoRun.toFixed(1)}`,
    String(r.serverLogRefreshes),
    r.passed ? 'pass' : `**FAIL**: ${r.problems.join('; ')}`,
  ]),
);
process.stdout.write(
  `${table}\n\n${LOAD_CONNECTIONS} connections for ${seconds} s against /api/me and /api/profile (alternating) ` +
    `for ${LOAD_USERS} users; Tiki access tokens live 25 s, the server refreshes 5 s ahead, so every token is ` +
    'refreshed mid-run. With several processes each takes an equal share of the connections and sees every user.\n',
);
if (!results.every((r) => r.passed)) process.exitCode = 1;
