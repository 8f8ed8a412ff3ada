import { describe, expect, it } from 'vitest';
import { runSideBySide, summarizeRatio } from './side-by-side.ts';

describe('runSideBySide', () => {
  it('alternates which side runs first every round, so drift hits both', async () => {
    const calls: string[] = [];
    const result = await runSideBySide({
      rounds: 4,
      baseline: async (round) => {
        calls.push(`b${round}`);
        return round;
      },
      subject: async (round) => {
        calls.push(`s${round}`);
        return round * 10;
      },
    });
    expect(calls).toEqual(['b0', 's0', 's1', 'b1', 'b2', 's2', 's3', 'b3']);
    expect(result.order).toEqual(['baseline-first', 'subject-first', 'baseline-first', 'subject-first']);
    expect(result.baseline).toEqual([0, 1, 2, 3]);
    expect(result.subject).toEqual([0, 10, 20, 30]);
  });

  it('a machine that slows down steadily does not favour either side', async () => {
    // Each measurement is worse than the previous one by the same step: with alternation, both sides get the
    // same sum of slowdowns over an even number of rounds.
    let tick = 0;
    const measure = async () => 1000 - tick++ * 10;
    const result = await runSideBySide({ rounds: 6, baseline: measure, subject: measure });
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    expect(sum(result.baseline)).toBe(sum(result.subject));
  });

  it('refuses zero or fractional rounds', async () => {
    const measure = async () => 1;
    await expect(runSideBySide({ rounds: 0, baseline: measure, subject: measure })).rejects.toThrow(
      RangeError,
    );
    await expect(runSideBySide({ rounds: 1.5, baseline: measure, subject: measure })).rejects.toThrow(
      RangeError,
    );
  });
});

describe('summarizeRatio', () => {
  it('is the median of the per-round ratios, not the ratio of the medians', () => {
    const summary = summarizeRatio([100, 200, 400], [90, 100, 400]);
    expect(summary.ratios).toEqual([0.9, 0.5, 1]);
    expect(summary.ratio).toBe(0.9);
    expect(summary.baseline).toBe(200);
    expect(summary.subject).toBe(100);
  });

  it('refuses unpaired rounds', () => {
    expect(() => summarizeRatio([1, 2], [1])).toThrow(RangeError);
    expect(() => summarizeRatio([], [])).toThrow(RangeError);
  });
});
