// zod/mini: the mini app bundles this module (through the API contract), and mini's schemas nest in classic ones.
import * as z from 'zod/mini';

/**
 * Tiki's scope names, written once for the whole repo: the emulator grants them, the server checks them, the
 * API contract carries them and the mini app asks for them. `user_profile` lets a token read the Open API
 * customer profile; `offline` makes the exchange return a refresh token (tiki-platform.md, "The flow").
 */
export const TIKI_SCOPES = {
  userProfile: 'user_profile',
  offline: 'offline',
} as const;

/** The scopes this starter knows, in the order it asks for them. */
export const KNOWN_TIKI_SCOPES = [TIKI_SCOPES.userProfile, TIKI_SCOPES.offline] as const;
export type KnownScope = (typeof KNOWN_TIKI_SCOPES)[number];

/** Any other non-empty name is accepted and passed through: Tiki adds scopes. */
export type Scope = KnownScope | (string & {});
export const ScopeSchema = z.string().check(z.minLength(1));
