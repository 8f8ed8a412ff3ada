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
  if (!Number.isInteger(o.rounds) || o.rounds < 1) {
    throw new RangeError(`bench: rounds must be a positive integer, got ${o.rounds}`);
  }
  const result: SideBySide<S> = { baseline: [], subject: [], order: [] };
  for (let round = 0; round < o.rounds; round++) {
    const baselineFirst = round % 2 === 0;
    let baseline: S;
    let subject: S;
    if (baselineFirst) {
      baseline = await o.baseline(round);
      subject = await o.subject(round);
    } else {
      subject = await o.subject(round);
      baseline = await o.baseline(round);
    }
    result.baseline.push(baseline);
    result.subject.push(subject);
    result.order.push(baselineFirst ? 'baseline-first' : 'subject-first');
    o.onRound?.(round, baseline, subject);
  }
  return result;
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
