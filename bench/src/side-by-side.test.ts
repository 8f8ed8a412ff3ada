import { describe, expect, it } from 'vitest';
import { runInterleaved, runSideBySide, summarizeRatio } from './side-by-side.ts';

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

describe('runInterleaved', () => {
  it('rotates the order each round, and pairs every subject with the same baseline run of its round', async () => {
    const calls: string[] = [];
    const measure = (name: string, value: number) => async (round: number) => {
      calls.push(`${name}${round}`);
      return value + round;
    };
    const result = await runInterleaved({
      rounds: 3,
      baseline: measure('b', 100),
      subjects: { server: measure('s', 200), floor: measure('f', 300) },
    });
    expect(calls).toEqual(['b0', 's0', 'f0', 's1', 'f1', 'b1', 'f2', 'b2', 's2']);
    expect(result.server.baseline).toEqual([100, 101, 102]);
    expect(result.floor.baseline).toEqual(result.server.baseline);
    expect(result.server.subject).toEqual([200, 201, 202]);
    expect(result.floor.subject).toEqual([300, 301, 302]);
    expect(result.server.order).toEqual(['baseline-first', 'subject-first', 'baseline-first']);
    expect(result.floor.order).toEqual(['baseline-first', 'subject-first', 'subject-first']);
  });

  it('over a multiple of the contenders, a machine slowing down steadily favours none of them', async () => {
    let tick = 0;
    const measure = async () => 1000 - tick++ * 10;
    const result = await runInterleaved({
      rounds: 6,
      baseline: measure,
      subjects: { a: measure, b: measure },
    });
    const sum = (xs: number[]) => xs.reduce((x, y) => x + y, 0);
    expect(sum(result.a.subject)).toBe(sum(result.a.baseline));
    expect(sum(result.b.subject)).toBe(sum(result.a.baseline));
  });

  it('refuses no subject and zero rounds', async () => {
    const measure = async () => 1;
    await expect(runInterleaved({ rounds: 2, baseline: measure, subjects: {} })).rejects.toThrow(RangeError);
    await expect(runInterleaved({ rounds: 0, baseline: measure, subjects: { a: measure } })).rejects.toThrow(
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
