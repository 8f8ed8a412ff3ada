import { type LoginResponse, LoginResponseSchema } from '@tini-starter/api-contract/auth';
import * as z from 'zod/mini';
import { readStorage, removeStorage, writeStorage } from '../platform/storage.ts';

/** Our session as the server issued it: the only credential the mini app keeps (never Tiki's tokens). */
export type Session = LoginResponse;

export const SESSION_STORAGE_KEY = 'tini-starter.session';

/** The stored session, or null when there is none or what is stored is not a session (then it is removed). */
export async function loadSession(): Promise<Session | null> {
  const stored = await readStorage(SESSION_STORAGE_KEY);
  if (stored === undefined || stored === null || stored === '') return null;
  const parsed = z.safeParse(LoginResponseSchema, stored);
  if (parsed.success) return parsed.data;
  await removeStorage(SESSION_STORAGE_KEY);
  return null;
}

export function saveSession(session: Session): Promise<void> {
  return writeStorage(SESSION_STORAGE_KEY, {
    token: session.token,
    expiresAt: session.expiresAt,
    user: session.user,
    scopes: session.scopes,
  });
}

export function clearSession(): Promise<void> {
  return removeStorage(SESSION_STORAGE_KEY);
}
