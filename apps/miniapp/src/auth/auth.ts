import { RELOGIN_CODES } from '@tini-starter/api-contract/errors';
import type { ApiClient } from '../api/client.ts';
import { ApiError } from '../api/errors.ts';
import { obtainAuthCode } from './obtain-auth-code.ts';
import { clearSession, loadSession, type Session, saveSession } from './session-store.ts';

/** A call that needs a session was made while nobody is signed in. */
export class NotSignedInError extends Error {
  override name = 'NotSignedInError';
  constructor() {
    super('Nobody is signed in');
  }
}

export interface AuthOptions {
  api: ApiClient;
  scopes: readonly string[];
  /** How an auth code is obtained; `my.getAuthCode` (plus the development fallback) unless replaced. */
  obtainCode?: (scopes: readonly string[]) => Promise<string>;
}

export interface Auth {
  /** The session kept by an earlier launch, read from storage once. */
  restore(): Promise<Session | null>;
  current(): Session | null;
  /** Consent, then our server's login. Callers that arrive while one is under way share it. */
  signIn(): Promise<Session>;
  /**
   * Runs `call` with the session token. When the server answers `unauthenticated` or
   * `tiki_reauth_required`, signs in again once (no screen of ours; Tiki shows no consent sheet for scopes
   * already granted) and retries once. Concurrent calls share that one sign-in.
   */
  withSession<T>(call: (sessionToken: string) => Promise<T>): Promise<T>;
  /** Forgets the session here and revokes it on the server (best effort: the local part always happens). */
  signOut(): Promise<void>;
}

export function createAuth(options: AuthOptions): Auth {
  const obtainCode = options.obtainCode ?? obtainAuthCode;
  let session: Session | null = null;
  let restoring: Promise<Session | null> | null = null;
  let signingIn: Promise<Session> | null = null;
  /** Bumped by signOut, so that a sign-in that finishes afterwards does not resurrect the session. */
  let generation = 0;

  function restore(): Promise<Session | null> {
    restoring ??= loadSession().then(
      (stored) => {
        session ??= stored;
        return session;
      },
      (error: unknown) => {
        console.warn('The stored session could not be read; starting signed out.', error);
        return session;
      },
    );
    return restoring;
  }

  function signIn(): Promise<Session> {
    signingIn ??= runSignIn().finally(() => {
      signingIn = null;
    });
    return signingIn;
  }

  async function runSignIn(): Promise<Session> {
    const startedIn = generation;
    const code = await obtainCode(options.scopes);
    const fresh = await options.api.login(code);
    if (startedIn !== generation) throw new NotSignedInError();
    session = fresh;
    try {
      await saveSession(fresh);
    } catch (error) {
      console.warn('The session could not be stored; it lasts until the app closes.', error);
    }
    return fresh;
  }

  async function signInAgainAfter(staleToken: string): Promise<Session> {
    if (session !== null && session.token !== staleToken) return session;
    try {
      return await signIn();
    } catch (error) {
      if (session?.token === staleToken) await forget();
      throw error;
    }
  }

  async function forget(): Promise<void> {
    session = null;
    try {
      await clearSession();
    } catch (error) {
      console.warn('The stored session could not be removed.', error);
    }
  }

  return {
    restore,
    current: () => session,
    signIn,
    async withSession(call) {
      const used = session ?? (await restore());
      if (used === null) throw new NotSignedInError();
      try {
        return await call(used.token);
      } catch (error) {
        if (!(error instanceof ApiError) || !RELOGIN_CODES.includes(error.code)) throw error;
        const fresh = await signInAgainAfter(used.token);
        return call(fresh.token);
      }
    },
    async signOut() {
      generation += 1;
      const token = session?.token;
      await forget();
      if (token === undefined) return;
      try {
        await options.api.logout(token);
      } catch (error) {
        console.warn(
          'The server could not be told about the sign-out; the session expires on its own.',
          error,
        );
      }
    },
  };
}
