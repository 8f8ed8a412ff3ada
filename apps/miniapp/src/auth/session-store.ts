import { type LoginResponse, LoginResponseSchema } from '@tini-starter/api-contract/auth';
import * as z from 'zod/mini';
import {
  hasEncryptedStorage,
  readEncryptedStorage,
  readStorage,
  removeEncryptedStorage,
  removeStorage,
  writeEncryptedStorage,
  writeStorage,
} from '../platform/storage.ts';

/** Our session as the server issued it: the only credential the mini app keeps (never Tiki's tokens). */
export type Session = LoginResponse;

export const SESSION_STORAGE_KEY = 'tini-starter.session';

/**
 * The session token is kept in the host's encrypted storage where `my.canIUse` says it has one, in plain
 * storage otherwise. A session an older build left in plain storage is moved over on the first read.
 */
export async function loadSession(): Promise<Session | null> {
  if (!hasEncryptedStorage()) return parsedOrRemoved(await readStorage(SESSION_STORAGE_KEY), removeStorage);
  const kept = await parsedOrRemoved(await readEncryptedStorage(SESSION_STORAGE_KEY), removeEncryptedStorage);
  if (kept !== null) return kept;
  const legacy = await parsedOrRemoved(await readStorage(SESSION_STORAGE_KEY), removeStorage);
  if (legacy === null) return null;
  await saveSession(legacy);
  await removeStorage(SESSION_STORAGE_KEY);
  return legacy;
}

/** The stored value as a session, or null when there is none or it is not a session (then it is removed). */
async function parsedOrRemoved(
  stored: unknown,
  remove: (key: string) => Promise<void>,
): Promise<Session | null> {
  if (stored === undefined || stored === null || stored === '') return null;
  const parsed = z.safeParse(LoginResponseSchema, stored);
  if (parsed.success) return parsed.data;
  await remove(SESSION_STORAGE_KEY);
  return null;
}

export function saveSession(session: Session): Promise<void> {
  const data = {
    token: session.token,
    expiresAt: session.expiresAt,
    user: session.user,
    scopes: session.scopes,
  };
  return hasEncryptedStorage()
    ? writeEncryptedStorage(SESSION_STORAGE_KEY, data)
    : writeStorage(SESSION_STORAGE_KEY, data);
}

export async function clearSession(): Promise<void> {
  if (hasEncryptedStorage()) await removeEncryptedStorage(SESSION_STORAGE_KEY);
  await removeStorage(SESSION_STORAGE_KEY);
}
