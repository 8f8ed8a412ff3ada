/**
 * The scopes this mini app asks Tiki for, and how the screens name them. The names themselves are Tiki's,
 * defined once in the platform package. `user_profile` lets the server read the Open API profile; `offline`
 * makes Tiki issue a refresh token, so the server can keep the session alive past the access token's hour.
 * The Tini Console app must be allowed every scope asked for here.
 */
import { type KnownScope, TIKI_SCOPES } from '@tini-starter/tiki-platform/scopes';

export const LOGIN_SCOPES: readonly KnownScope[] = [TIKI_SCOPES.userProfile, TIKI_SCOPES.offline];

/**
 * Scopes the user may refuse and still log in. Without `offline` there is no refresh token: the session works
 * until Tiki's access token expires (an hour), then the app asks for consent again.
 */
export const OPTIONAL_LOGIN_SCOPES: readonly KnownScope[] = [TIKI_SCOPES.offline];

/** What the screens call each scope; a scope the server reports and this app does not know shows its name. */
export const SCOPE_LABELS: Readonly<Record<KnownScope, string>> = {
  user_profile: 'Thông tin hồ sơ',
  offline: 'Duy trì đăng nhập',
};

export function scopeLabel(scope: string): string {
  // typeof, not `??`: a name such as "toString" must not find Object's prototype.
  const label: unknown = (SCOPE_LABELS as Record<string, unknown>)[scope];
  return typeof label === 'string' ? label : scope;
}
