import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createTokenCipher, TokenDecryptionError } from './token-cipher.ts';

const k1 = randomBytes(32);
const k2 = randomBytes(32);

describe('the token cipher (AES-256-GCM)', () => {
  it('round-trips, with a fresh IV each time, under the active key id', () => {
    const cipher = createTokenCipher({ keys: new Map([['k1', k1]]), activeKeyId: 'k1' });
    const a = cipher.seal('access-token-value', 'user-1:access');
    const b = cipher.seal('access-token-value', 'user-1:access');
    expect(a.keyId).toBe('k1');
    expect(a.blob.equals(b.blob)).toBe(false);
    expect(a.blob.includes(Buffer.from('access-token-value'))).toBe(false);
    expect(cipher.open(a, 'user-1:access')).toBe('access-token-value');
  });

  it('opens values sealed under an older key after rotation', () => {
    const before = createTokenCipher({ keys: new Map([['k1', k1]]), activeKeyId: 'k1' });
    const sealed = before.seal('refresh', 'aad');
    const after = createTokenCipher({
      keys: new Map([
        ['k1', k1],
        ['k2', k2],
      ]),
      activeKeyId: 'k2',
    });
    expect(after.open(sealed, 'aad')).toBe('refresh');
    expect(after.seal('x', 'aad').keyId).toBe('k2');
  });

  it('refuses a value moved to another row (AAD), tampered with, truncated, or under an unknown key', () => {
    const cipher = createTokenCipher({ keys: new Map([['k1', k1]]), activeKeyId: 'k1' });
    const sealed = cipher.seal('secret', 'user-1:access');
    expect(() => cipher.open(sealed, 'user-2:access')).toThrow(TokenDecryptionError);
    const tampered = Buffer.from(sealed.blob);
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] as number) ^ 1;
    expect(() => cipher.open({ keyId: 'k1', blob: tampered }, 'user-1:access')).toThrow(TokenDecryptionError);
    expect(() => cipher.open({ keyId: 'k1', blob: sealed.blob.subarray(0, 20) }, 'user-1:access')).toThrow(
      TokenDecryptionError,
    );
    expect(() => cipher.open({ keyId: 'k9', blob: sealed.blob }, 'user-1:access')).toThrow(
      /no configured encryption key/,
    );
  });

  it('rejects misconfiguration at construction', () => {
    expect(() => createTokenCipher({ keys: new Map([['k1', randomBytes(16)]]), activeKeyId: 'k1' })).toThrow(
      TypeError,
    );
    expect(() => createTokenCipher({ keys: new Map([['k1', k1]]), activeKeyId: 'k2' })).toThrow(TypeError);
  });
});
