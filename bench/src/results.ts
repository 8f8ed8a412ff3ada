import { writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { renderTable } from './markdown.ts';
import { formatCpu, formatMeasured, formatTarget, meetsTarget, type RowResult } from './row.ts';

export interface RunNotes {
  startedAt: Date;
  durationMs: number;
  /** Per missed row: what the cost is made of, from a profile. */
  diagnoses: Array<{ what: string; text: string }>;
  /** How the numbers were taken (setup, rounds, caveats). */
  method: string[];
}

export function renderResultsTable(rows: readonly RowResult[]): string {
  return renderTable(
    [
      'what',
      'against',
      'target',
      'measured',
      'server CPU per request',
      'subject (median)',
      'baseline (median)',
      'rounds',
      'verdict',
    ],
    rows.map((row) => [
      row.what,
      row.against,
      formatTarget(row.target),
      formatMeasured(row),
      formatCpu(row.cpu),
      row.subject,
      row.baseline,
      row.spread ? `${row.rounds}: ${row.spread.map((r) => r.toFixed(2)).join(', ')}` : String(row.rounds),
      meetsTarget(row) ? 'met' : '**missed**',
    ]),
  );
}

/** The whole of bench/results.md: the table, how it was measured, and what the missed rows cost. */
export function renderResults(rows: readonly RowResult[], notes: RunNotes): string {
  const cpu = cpus();
  const lines = [
    '# Benchmark results',
    '',
    `Written by \`pnpm bench\` on ${notes.startedAt.toISOString()} in ${Math.round(notes.durationMs / 1000)} s ` +
      `(Node ${process.version}, ${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}). ` +
      'Each ratio is the median of per-round ratios. Within a round the baseline and its subjects (a route, its floor, its PostgreSQL run) run one after another, in an order rotated each round.',
    '',
    renderResultsTable(rows),
    '',
    '## How these were measured',
    '',
    ...notes.method.map((line) => `- ${line}`),
  ];
  if (notes.diagnoses.length > 0) {
    lines.push('', '## Where the time and the memory go', '');
    for (const diagnosis of notes.diagnoses) lines.push(`### ${diagnosis.what}`, '', diagnosis.text, '');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

export async function writeResults(file: string, markdown: string): Promise<void> {
  await writeFile(file, markdown, 'utf8');
}
