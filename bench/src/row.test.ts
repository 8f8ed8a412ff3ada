import { describe, expect, it } from 'vitest';
import { formatCount, formatMeasured, formatTarget, meetsTarget } from './row.ts';

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
