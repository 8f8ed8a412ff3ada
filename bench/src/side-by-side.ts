import { median } from './stats.ts';

/** One contender of a side-by-side measurement: measures once and returns a number (higher or lower is better per row). */
export type Measure<S> = (round: number) => Promise<S>;

export interface SideBySide<S> {
  baseline: S[];
  subject: S[];
  /** Which contender ran first in each round, to show that drift hit both. */
  order: Array<'baseline-first' | 'subject-first'>;
}

/**
 * Runs the baseline and the subject `rounds` times each, alternating which goes first every round (baseline
 * first in round 0, subject first in round 1, ...), so that a machine getting slower or faster during the run
 * (other engineers' tests on the same 2 cores, thermal limits, a JIT warming up) hits both sides evenly.
 */
export async function runSideBySide<S>(o: {
  rounds: number;
  baseline: Measure<S>;
  subject: Measure<S>;
  onRound?: (round: number, baseline: S, subject: S) => void;
}): Promise<SideBySide<S>> {
  const { subject } = await runInterleaved<S, 'subject'>({
    rounds: o.rounds,
    baseline: o.baseline,
    subjects: { subject: o.subject },
    ...(o.onRound ? { onRound: (round, baseline, s) => o.onRound?.(round, baseline, s.subject) } : {}),
  });
  return subject;
}

/**
 * Several subjects measured against one baseline in the same rounds: each round runs the baseline and every
 * subject once, the order rotated by one each round (round 0: baseline, a, b; round 1: a, b, baseline; ...), so
 * that over a multiple of (subjects + 1) rounds each takes each place equally often. A subject and the reference
 * it is read beside (the server and its floor) then share every round's conditions and the same baseline run:
 * a burst of load from elsewhere on the machine hits both, instead of one row and not the next.
 */
export async function runInterleaved<S, K extends string>(o: {
  rounds: number;
  baseline: Measure<S>;
  subjects: Record<K, Measure<S>>;
  onRound?: (round: number, baseline: S, subjects: Record<K, S>) => void;
}): Promise<Record<K, SideBySide<S>>> {
  if (!Number.isInteger(o.rounds) || o.rounds < 1) {
    throw new RangeError(`bench: rounds must be a positive integer, got ${o.rounds}`);
  }
  const names = Object.keys(o.subjects) as K[];
  if (names.length === 0) throw new RangeError('bench: runInterleaved needs at least one subject');
  const contenders: Array<{ name: K | null; measure: Measure<S> }> = [
    { name: null, measure: o.baseline },
    ...names.map((name) => ({ name, measure: o.subjects[name] })),
  ];
  const results = Object.fromEntries(
    names.map((name) => [name, { baseline: [], subject: [], order: [] } as SideBySide<S>]),
  ) as Record<K, SideBySide<S>>;
  for (let round = 0; round < o.rounds; round++) {
    const start = round % contenders.length;
    const ordered = [...contenders.slice(start), ...contenders.slice(0, start)];
    const measured = new Map<K | null, S>();
    for (const contender of ordered) measured.set(contender.name, await contender.measure(round));
    const baseline = measured.get(null) as S;
    const baselineAt = ordered.findIndex((contender) => contender.name === null);
    for (const name of names) {
      const result = results[name];
      result.baseline.push(baseline);
      result.subject.push(measured.get(name) as S);
      const subjectAt = ordered.findIndex((contender) => contender.name === name);
      result.order.push(baselineAt < subjectAt ? 'baseline-first' : 'subject-first');
    }
    o.onRound?.(
      round,
      baseline,
      Object.fromEntries(names.map((name) => [name, measured.get(name) as S])) as Record<K, S>,
    );
  }
  return results;
}

export interface RatioSummary {
  /** Median over rounds of subject / baseline, each ratio taken within one round. */
  ratio: number;
  baseline: number;
  subject: number;
  ratios: number[];
}

/**
 * Summarizes paired rounds: the median of the per-round ratios (each pair ran back to back, so their ratio
 * cancels most of the drift), and the median of each side for context.
 */
export function summarizeRatio(baseline: readonly number[], subject: readonly number[]): RatioSummary {
  if (baseline.length !== subject.length || baseline.length === 0) {
    throw new RangeError('bench: a ratio needs the same, non-zero number of baseline and subject rounds');
  }
  const ratios = subject.map((value, i) => value / (baseline[i] as number));
  return { ratio: median(ratios), baseline: median(baseline), subject: median(subject), ratios };
}
