import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseMsTimestamp } from './timestamp.ts';

describe('parseMsTimestamp accepts exactly 13 ASCII digits without a leading zero', () => {
  it('takes the value of every such text, and nothing else', () => {
    const digits = fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 11, maxLength: 15 });
    const near = fc.oneof(
      digits,
      // One character of a well-formed timestamp replaced by something that looks close to a digit.
      fc
        .tuple(fc.integer({ min: 1_000_000_000_000, max: 9_999_999_999_999 }), fc.nat({ max: 12 }))
        .chain(([ms, index]) =>
          fc
            .constantFrom('/', ':', ' ', '.', '-', '+', 'e', '٣', '３', '\u0000', '\u0130')
            .map((char) => `${String(ms).slice(0, index)}${char}${String(ms).slice(index + 1)}`),
        ),
      fc.string({ maxLength: 14 }),
    );
    fc.assert(
      fc.property(near, (text) => {
        const parsed = parseMsTimestamp(text);
        if (/^[1-9][0-9]{12}$/.test(text)) expect(parsed).toEqual({ ok: true, ms: Number(text) });
        else expect(parsed).toMatchObject({ ok: false, message: expect.stringContaining('timestamp') });
      }),
      { numRuns: 1000 },
    );
  });

  it('reads the largest and smallest values exactly', () => {
    expect(parseMsTimestamp('9999999999999')).toEqual({ ok: true, ms: 9_999_999_999_999 });
    expect(parseMsTimestamp('1000000000000')).toEqual({ ok: true, ms: 1_000_000_000_000 });
  });
});
