/**
 * The scopes the mini app asks Tiki for, in one place. `user_profile` lets the server read the Open API
 * profile; `offline` makes Tiki issue a refresh token, so the server can keep the session alive past the
 * access token's hour. The Tini Console app must be allowed both.
 */
export const LOGIN_SCOPES: readonly string[] = ['user_profile', 'offline'];
