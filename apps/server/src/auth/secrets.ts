/** Our own session credential: 256 bits from the CSPRNG, handed to the mini app once, stored only as a hash. */
import { createHash, randomBytes } from 'node:crypto';

export function generateSessionToken(): string {
  return randomBytes(32).toString('base64url');
}

/** sha256 is enough for a 256-bit random secret (no dictionary to attack); also used for auth codes. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}
