/** Seals Tiki's tokens for the store and opens them again; the AAD binds each value to its user and field. */
import type { SealedTikiTokens, StoredTikiTokens } from '../store/store.ts';
import type { TokenCipher } from './token-cipher.ts';

export interface TikiTokens {
  accessToken: string;
  refreshToken: string | null;
  accessExpiresAt: number;
  scopes: string[];
}

export interface OpenedTikiTokens extends TikiTokens {
  generation: number;
}

/** What a request needs to call Tiki: the access token opened, the refresh token left sealed. */
export type UsableTikiTokens = Omit<OpenedTikiTokens, 'refreshToken'> & {
  /** Whether a refresh token is stored (it stays sealed until a refresh needs it). */
  hasRefreshToken: boolean;
  /** When these tokens were written (ms): with accessExpiresAt, the access token's lifetime. */
  issuedAt: number;
};

const aad = (userId: string, field: 'access' | 'refresh') => `tiki_tokens:v1:${userId}:${field}`;

export function sealTikiTokens(cipher: TokenCipher, userId: string, t: TikiTokens): SealedTikiTokens {
  const access = cipher.seal(t.accessToken, aad(userId, 'access'));
  return {
    keyId: access.keyId,
    accessToken: access.blob,
    refreshToken: t.refreshToken === null ? null : cipher.seal(t.refreshToken, aad(userId, 'refresh')).blob,
    accessExpiresAt: t.accessExpiresAt,
    scopes: t.scopes,
  };
}

/** Opens the access token only (one AES-GCM open): a refresh opens the refresh token from the row it leases. */
export function openAccessToken(cipher: TokenCipher, stored: StoredTikiTokens): UsableTikiTokens {
  return {
    accessToken: cipher.open({ keyId: stored.keyId, blob: stored.accessToken }, aad(stored.userId, 'access')),
    accessExpiresAt: stored.accessExpiresAt,
    scopes: stored.scopes,
    generation: stored.generation,
    hasRefreshToken: stored.refreshToken !== null,
    issuedAt: stored.updatedAt,
  };
}

export function openTikiTokens(cipher: TokenCipher, stored: StoredTikiTokens): OpenedTikiTokens {
  const { keyId, userId } = stored;
  return {
    accessToken: cipher.open({ keyId, blob: stored.accessToken }, aad(userId, 'access')),
    refreshToken:
      stored.refreshToken === null
        ? null
        : cipher.open({ keyId, blob: stored.refreshToken }, aad(userId, 'refresh')),
    accessExpiresAt: stored.accessExpiresAt,
    scopes: stored.scopes,
    generation: stored.generation,
  };
}
