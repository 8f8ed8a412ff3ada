import { describe, expect, it } from 'vitest';
import { formatCount, formatCpu, formatMeasured, formatTarget, meetsTarget } from './row.ts';

describe('meetsTarget', () => {
  it('an at-least target is met at the boundary and missed just below it', () => {
    const target = { comparison: 'at-least', value: 0.8, unit: 'x' } as const;
    expect(meetsTarget({ measured: 0.8, target })).toBe(true);
    expect(meetsTarget({ measured: 0.79, target })).toBe(false);
  });

  it('an at-most target is met at the boundary and missed just above it', () => {
    const target = { comparison: 'at-most', value: 64, unit: 'MB' } as const;
    expect(meetsTarget({ measured: 64, target })).toBe(true);
    expect(meetsTarget({ measured: 64.1, target })).toBe(false);
  });
});

describe('a CPU budget', () => {
  const target = { comparison: 'at-least', value: 0.6, unit: 'x' } as const;
  it('must be met as well as the ratio', () => {
    expect(meetsTarget({ measured: 0.7, target, cpu: { subjectUs: 100, budgetUs: 100 } })).toBe(true);
    expect(meetsTarget({ measured: 0.7, target, cpu: { subjectUs: 101, budgetUs: 100 } })).toBe(false);
    expect(meetsTarget({ measured: 0.5, target, cpu: { subjectUs: 50, budgetUs: 100 } })).toBe(false);
    expect(meetsTarget({ measured: 0.7, target, cpu: { subjectUs: 5000 } })).toBe(true);
  });

  it('is printed beside the ratio with the baseline and the budget', () => {
    expect(formatCpu({ subjectUs: 301.4, baselineUs: 212, budgetUs: 267, budget: 'bare + 55 µs' })).toBe(
      '301 µs; baseline 212 µs; budget <= 267 µs (bare + 55 µs)',
    );
    expect(formatCpu(undefined)).toBe('-');
  });
});

describe('formatting', () => {
  it('writes targets and measurements with their unit', () => {
    expect(formatTarget({ comparison: 'at-least', value: 0.9, unit: 'x' })).toBe('>= 0.9x');
    expect(formatTarget({ comparison: 'at-most', value: 64, unit: 'MB' })).toBe('<= 64 MB');
    expect(
      formatMeasured({ measured: 0.8567, target: { comparison: 'at-least', value: 1, unit: 'x' } }),
    ).toBe('0.86x');
    expect(formatMeasured({ measured: 12.34, target: { comparison: 'at-most', value: 1, unit: 'MB' } })).toBe(
      '12.3 MB',
    );
  });

  it('groups thousands with spaces', () => {
    expect(formatCount(1234567)).toBe('1 234 567');
    expect(formatCount(999)).toBe('999');
    expect(formatCount(1234.5, 1)).toBe('1 234.5');
  });
});
