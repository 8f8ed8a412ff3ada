/**
 * Why a login or a session is refused, in the auth layer's own words. The HTTP layer (http/error-handler.ts)
 * gives each kind the contract's code.
 */
export type AuthRefusal =
  /** The auth code is unknown, expired or already used: the mini app needs a new one. */
  | 'code_refused'
  /** No live session for the bearer token (missing, malformed, unknown, expired, logged out). */
  | 'no_session'
  /** Another instance's exchange of this code did not finish in time: worth trying again. */
  | 'exchange_unfinished';

export class AuthError extends Error {
  override readonly name = 'AuthError';
  constructor(
    readonly kind: AuthRefusal,
    message: string,
  ) {
    super(message);
  }
}
