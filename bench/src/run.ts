import { fileURLToPath } from 'node:url';
import { renderResults, renderResultsTable, writeResults } from './results.ts';
import type { RowResult } from './row.ts';
import { type Diagnosis, measureSigningRows } from './rows/signing.ts';

const RESULTS_FILE = fileURLToPath(new URL('../results.md', import.meta.url));

async function main(): Promise<void> {
  const startedAt = new Date();
  const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
  const rows: RowResult[] = [];
  const diagnoses: Diagnosis[] = [];
  const signing = await measureSigningRows({ rounds, sampleMs: 400 });
  rows.push(...signing.rows);
  diagnoses.push(...signing.diagnoses);
  const markdown = renderResults(rows, {
    startedAt,
    durationMs: Date.now() - startedAt.getTime(),
    diagnoses,
    method: [],
  });
  await writeResults(RESULTS_FILE, markdown);
  process.stdout.write(`${renderResultsTable(rows)}\n\nWritten to ${RESULTS_FILE}\n`);
}

await main();
