import { AuthCodeError, type AuthCodeResult, getAuthCode } from '../platform/auth-code.ts';
import { requestEmulatorAuthCode } from './emulator-auth-code.ts';
import { toScopeError } from './scope-error.ts';
import { OPTIONAL_LOGIN_SCOPES } from './scopes.ts';

/**
 * A usable auth code for `scopes`, or a ScopeError (a scope the login needs was not granted) or AuthCodeError
 * (no code). The user may refuse an optional scope (OPTIONAL_LOGIN_SCOPES) and still log in.
 * A refusal is never papered over: the development fallback only answers when the host produced no code
 * and reported no scope error.
 */
export async function obtainAuthCode(scopes: readonly string[]): Promise<string> {
  let result: AuthCodeResult | null = null;
  let failure: unknown = null;
  try {
    result = await getAuthCode(scopes);
  } catch (error) {
    failure = error;
  }
  if (result !== null) {
    const scopeError = toScopeError(result.scopeErrors, OPTIONAL_LOGIN_SCOPES);
    if (scopeError !== null) throw scopeError;
    if (result.authCode !== '') return result.authCode;
  }
  if (__DEV__) {
    const fallback = await requestEmulatorAuthCode(scopes);
    const scopeError = toScopeError(fallback.scopeErrors, OPTIONAL_LOGIN_SCOPES);
    if (scopeError !== null) throw scopeError;
    if (fallback.authCode !== '') return fallback.authCode;
  }
  if (failure instanceof AuthCodeError) throw failure;
  throw new AuthCodeError('my.getAuthCode gave no auth code');
}
