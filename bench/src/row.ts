/** What a row promises: the measured number must be at least / at most `value`. */
export interface Target {
  comparison: 'at-least' | 'at-most';
  value: number;
  /** How the measured number reads: a ratio ('x'), megabytes ('MB') or microseconds of CPU per request ('µs'). */
  unit: 'x' | 'MB' | 'µs';
}

export interface RowResult {
  what: string;
  against: string;
  target: Target;
  /** The median over rounds of the per-round ratio (or the one measured value for single-shot rows). */
  measured: number;
  /** Human-readable medians of both sides, e.g. '41 200 req/s'. */
  subject: string;
  baseline: string;
  rounds: number;
  /** Every round's ratio, so a reader sees the spread, not just the median. */
  spread?: number[];
  /**
   * The server's CPU per answered request (median over rounds), steadier than a ratio on shared cores, and its
   * budget when the row has one: the row is met only when both the ratio and the budget are.
   */
  cpu?: CpuPerRequest;
}

export interface CpuPerRequest {
  subjectUs: number;
  /** The baseline process's CPU per request, when it is a server of the same kind (the bare route). */
  baselineUs?: number;
  /** At most this many microseconds, or none. */
  budgetUs?: number;
  /** How the budget reads, e.g. 'bare + 55 µs'. */
  budget?: string;
}

export function meetsTarget(row: Pick<RowResult, 'measured' | 'target' | 'cpu'>): boolean {
  const ratio =
    row.target.comparison === 'at-least'
      ? row.measured >= row.target.value
      : row.measured <= row.target.value;
  const budget = row.cpu?.budgetUs === undefined || row.cpu.subjectUs <= row.cpu.budgetUs;
  return ratio && budget;
}

export function formatCpu(cpu: CpuPerRequest | undefined): string {
  if (cpu === undefined) return '-';
  const parts = [`${formatCount(cpu.subjectUs)} µs`];
  if (cpu.baselineUs !== undefined) parts.push(`baseline ${formatCount(cpu.baselineUs)} µs`);
  if (cpu.budgetUs !== undefined)
    parts.push(`budget <= ${formatCount(cpu.budgetUs)} µs (${cpu.budget ?? ''})`);
  return parts.join('; ');
}

export function formatTarget(target: Target): string {
  const sign = target.comparison === 'at-least' ? '>=' : '<=';
  return target.unit === 'x' ? `${sign} ${target.value}x` : `${sign} ${target.value} ${target.unit}`;
}

export function formatMeasured(row: Pick<RowResult, 'measured' | 'target'>): string {
  return row.target.unit === 'x'
    ? `${row.measured.toFixed(2)}x`
    : `${row.measured.toFixed(1)} ${row.target.unit}`;
}

/** '12 345' style grouping, readable in a table without locale surprises. */
export function formatCount(value: number, digits = 0): string {
  const [whole, fraction] = value.toFixed(digits).split('.');
  const grouped = (whole ?? '0').replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
  return fraction === undefined ? grouped : `${grouped}.${fraction}`;
}
