/**
 * Why a call for the user cannot be made with the Tiki tokens we hold, in the token keeper's own words. The
 * HTTP layer (http/error-handler.ts) gives each kind the contract's code. Tiki's own failures (down, slow,
 * refusing) reach it as the platform client's typed errors.
 */
export type TikiAccessRefusal =
  /** No consent is stored, or Tiki no longer accepts it: ask for consent again. */
  | 'consent_required'
  /** The user did not grant the scope the call needs. */
  | 'scope_missing'
  /** Another instance held the refresh lease for longer than a refresh can take: worth trying later. */
  | 'refresh_still_running';

export class TikiAccessError extends Error {
  override readonly name = 'TikiAccessError';
  constructor(
    readonly kind: TikiAccessRefusal,
    message: string,
  ) {
    super(message);
  }
}
