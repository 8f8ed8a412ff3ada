import type { ApiClient } from '../api/client.ts';
import { ApiError } from '../api/errors.ts';
import type { Auth } from '../auth/auth.ts';
import { scopeLabel } from '../auth/scopes.ts';
import { explain } from './explain.ts';
import { type AccountView, type ErrorView, toProfileRows } from './view.ts';

/**
 * Everything a page needs about the signed-in person, as plain view data. It lives in the App instance
 * (`getApp().account`), so every page shares one session and one sign-in, and pages stay small.
 */
export interface Account {
  /** True when an earlier launch left a session to reuse. */
  hasSession(): Promise<boolean>;
  /** Consent and our server's login; the caller loads the account next (a failed load is not a failed login). */
  signIn(): Promise<void>;
  /** Who is signed in and their Open API profile, fetched concurrently with the session. */
  load(): Promise<AccountView>;
  signOut(): Promise<void>;
  explain(error: unknown, during: 'sign_in' | 'load'): ErrorView;
}

export function createAccount(deps: { auth: Auth; api: ApiClient }): Account {
  const { auth, api } = deps;

  async function load(): Promise<AccountView> {
    const [me, profile] = await Promise.all([
      auth.withSession((token) => api.me(token)),
      auth
        .withSession((token) => api.profile(token))
        .then(
          (answer) => ({ rows: toProfileRows(answer.profile), note: '' }),
          (error: unknown) => {
            if (error instanceof ApiError && error.code === 'scope_missing') {
              return {
                rows: [],
                note: 'Bạn chưa cấp quyền “Thông tin hồ sơ”, nên không có hồ sơ Tiki để hiển thị.',
              };
            }
            throw error;
          },
        ),
    ]);
    return {
      name: me.user.name,
      userId: me.user.id,
      tikiCustomerId: me.user.tikiCustomerId,
      scopes: me.scopes.map((name) => ({ name, label: scopeLabel(name) })),
      profile: profile.rows,
      profileNote: profile.note,
    };
  }

  return {
    hasSession: async () => (await auth.restore()) !== null,
    async signIn() {
      await auth.signIn();
    },
    load,
    signOut: () => auth.signOut(),
    explain(error, during) {
      // The screen words it for people; the developer in Tini Studio's console needs the real cause.
      if (__DEV__) console.warn(`[tini-starter] ${during} failed:`, error);
      return explain(error, during);
    },
  };
}
