/** `my.getAuthCode` as a promise, reading both spellings of its result (see platform/tini.d.ts). */
import { numericCode, readHostFailure } from './host-failure.ts';

export interface AuthCodeResult {
  /** Empty when the host produced no code (e.g. Tini Studio without a Tini Console app id). */
  authCode: string;
  grantedScopes: string[];
  /** Scope -> '1' (the app may not request it) or '2' (the user refused it). */
  scopeErrors: Record<string, string>;
}

export class AuthCodeError extends Error {
  override name = 'AuthCodeError';
  constructor(
    message: string,
    readonly hostError?: number,
  ) {
    super(message);
  }
}

/**
 * The user closed the consent sheet. Only the development consent fallback can tell (the emulator answers
 * `user_cancelled`): Tiki documents no code for a cancel, so on Tiki a cancel is a plain AuthCodeError.
 */
export class ConsentCancelledError extends AuthCodeError {
  override name = 'ConsentCancelledError';
}

export function getAuthCode(scopes: readonly string[]): Promise<AuthCodeResult> {
  return new Promise((resolve, reject) => {
    try {
      my.getAuthCode({
        scopes: [...scopes],
        success: (result) => resolve(normalize(result)),
        fail: (failure) => {
          const read = readHostFailure(failure);
          reject(
            new AuthCodeError(
              `my.getAuthCode failed (error ${read.code ?? 'unknown'}: ${read.message})`,
              numericCode(read),
            ),
          );
        },
      });
    } catch (error) {
      reject(
        new AuthCodeError(`my.getAuthCode threw: ${error instanceof Error ? error.message : String(error)}`),
      );
    }
  });
}

export function normalize(result: my.GetAuthCodeResult | undefined): AuthCodeResult {
  const granted = result?.authSuccessScopes ?? result?.authSuccessScope ?? [];
  const errors = result?.authErrorScopes ?? result?.authErrorScope ?? {};
  const scopeErrors: Record<string, string> = {};
  for (const scope of Object.keys(errors)) {
    const code = errors[scope];
    if (code !== undefined && code !== null) scopeErrors[scope] = String(code);
  }
  return {
    authCode: typeof result?.authCode === 'string' ? result.authCode : '',
    grantedScopes: Array.isArray(granted) ? granted.filter((s): s is string => typeof s === 'string') : [],
    scopeErrors,
  };
}
