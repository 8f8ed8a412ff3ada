import { describe, expect, it } from 'vitest';
import { numericCode, readHostFailure } from './host-failure.ts';

describe('reading a my.* fail payload', () => {
  it.each([
    [
      '{ error, errorMessage } (most APIs)',
      { error: 11, errorMessage: 'domain not allowed' },
      11,
      'domain not allowed',
    ],
    [
      '{ code, message } (my.getUserInfo)',
      { code: 'AUTH_DENIED', message: 'denied' },
      'AUTH_DENIED',
      'denied',
    ],
    ['a numeric string code', { code: '13', message: 'timeout' }, '13', 'timeout'],
    ['a bare string', 'quota exceeded', undefined, 'quota exceeded'],
    ['nothing', undefined, undefined, 'no message'],
    ['an empty object', {}, undefined, 'no message'],
  ])('%s', (_shape, payload, code, message) => {
    expect(readHostFailure(payload)).toEqual({ code, message });
  });

  it('gives the numeric code whether the host sent a number or digits', () => {
    expect(numericCode(readHostFailure({ error: 13 }))).toBe(13);
    expect(numericCode(readHostFailure({ code: '11' }))).toBe(11);
    expect(numericCode(readHostFailure({ code: 'AUTH_DENIED' }))).toBeUndefined();
  });
});
