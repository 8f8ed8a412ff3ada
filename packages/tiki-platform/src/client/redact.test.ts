import { describe, expect, it } from 'vitest';
import { redact } from './redact.ts';

describe('redact', () => {
  it('replaces every occurrence of every secret', () => {
    expect(redact('code abcd and abcd, token wxyz', ['abcd', 'wxyz'])).toBe(
      'code [redacted] and [redacted], token [redacted]',
    );
  });

  it('leaves values too short to be credentials alone, so messages stay readable', () => {
    expect(redact('a b c', ['a', ''])).toBe('a b c');
  });

  it('cuts long upstream text to 300 characters', () => {
    expect(redact('x'.repeat(1_000), [])).toBe(`${'x'.repeat(300)}…`);
  });
});
