/**
 * Encryption at rest for Tiki's tokens: AES-256-GCM with a fresh 96-bit IV per value, the key id stored beside
 * the ciphertext so keys can rotate (every configured key decrypts, the active one encrypts), and additional
 * authenticated data that binds a ciphertext to its row, so a token copied to another user's row or field fails
 * to decrypt instead of being used.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface Sealed {
  keyId: string;
  /** iv (12 bytes) | auth tag (16 bytes) | ciphertext */
  blob: Buffer;
}

export interface TokenCipher {
  seal(plaintext: string, aad: string): Sealed;
  open(sealed: Sealed, aad: string): string;
}

export class TokenDecryptionError extends Error {
  override readonly name = 'TokenDecryptionError';
}

export function createTokenCipher(o: {
  keys: ReadonlyMap<string, Buffer>;
  activeKeyId: string;
}): TokenCipher {
  for (const [id, key] of o.keys) {
    if (key.length !== 32) throw new TypeError(`server: encryption key "${id}" must be 32 bytes`);
  }
  const active = o.keys.get(o.activeKeyId);
  if (!active) throw new TypeError(`server: active encryption key "${o.activeKeyId}" is not configured`);

  return {
    seal(plaintext, aad) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', active, iv);
      cipher.setAAD(Buffer.from(aad, 'utf8'));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return { keyId: o.activeKeyId, blob: Buffer.concat([iv, cipher.getAuthTag(), ciphertext]) };
    },
    open(sealed, aad) {
      const key = o.keys.get(sealed.keyId);
      if (!key) throw new TokenDecryptionError(`no configured encryption key has id "${sealed.keyId}"`);
      if (sealed.blob.length < IV_BYTES + TAG_BYTES)
        throw new TokenDecryptionError('ciphertext is truncated');
      const decipher = createDecipheriv('aes-256-gcm', key, sealed.blob.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(aad, 'utf8'));
      decipher.setAuthTag(sealed.blob.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      try {
        return Buffer.concat([
          decipher.update(sealed.blob.subarray(IV_BYTES + TAG_BYTES)),
          decipher.final(),
        ]).toString('utf8');
      } catch {
        throw new TokenDecryptionError(`ciphertext does not authenticate under key "${sealed.keyId}"`);
      }
    },
  };
}
