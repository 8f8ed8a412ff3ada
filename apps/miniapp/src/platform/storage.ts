/**
 * `my.getStorage` / `my.setStorage` / `my.removeStorage` as promises (6 MB per app, kept across launches), and
 * the encrypted storage (`my.*EncryptedStorage`) where the host has it.
 */
import { readHostFailure } from './host-failure.ts';

export class StorageError extends Error {
  override name = 'StorageError';
  constructor(
    readonly operation: 'get' | 'set' | 'remove',
    readonly key: string,
    failure: unknown,
    readonly encrypted = false,
  ) {
    const api = `my.${operation}${encrypted ? 'Encrypted' : ''}Storage`;
    super(`${api} failed for "${key}": ${readHostFailure(failure).message}`);
  }
}

/** Resolves the stored value, or undefined when nothing is stored under `key`. */
export function readStorage(key: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    my.getStorage({
      key,
      success: (result) => resolve(result?.data ?? undefined),
      fail: (failure) => reject(new StorageError('get', key, failure)),
    });
  });
}

export function writeStorage(key: string, data: my.StorageData): Promise<void> {
  return new Promise((resolve, reject) => {
    my.setStorage({
      key,
      data,
      success: () => resolve(),
      fail: (failure) => reject(new StorageError('set', key, failure)),
    });
  });
}

export function removeStorage(key: string): Promise<void> {
  return new Promise((resolve, reject) => {
    my.removeStorage({
      key,
      success: () => resolve(),
      fail: (failure) => reject(new StorageError('remove', key, failure)),
    });
  });
}

/**
 * Whether the host has encrypted storage, as `my.canIUse` says (hosts older than canIUse have neither). The
 * values are kept by the host's keystore; Tiki's docs say they survive the app's removal.
 */
export function hasEncryptedStorage(): boolean {
  try {
    return typeof my.canIUse === 'function' && my.canIUse('setEncryptedStorage') === true;
  } catch {
    return false;
  }
}

/**
 * Resolves the stored value, or undefined. Values are written as JSON text and parsed here; a host that
 * hands back an object is taken as it is. No `config` is passed: assumed (Tiki's docs do not say) to mean no
 * biometric or passcode prompt, which a session read at every launch must not cause.
 */
export function readEncryptedStorage(key: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    my.getEncryptedStorage({
      key,
      success: (result) => resolve(parseStored(result?.data)),
      fail: (failure) => reject(new StorageError('get', key, failure, true)),
    });
  });
}

export function writeEncryptedStorage(key: string, data: my.StorageData): Promise<void> {
  return new Promise((resolve, reject) => {
    my.setEncryptedStorage({
      key,
      value: JSON.stringify(data),
      success: () => resolve(),
      fail: (failure) => reject(new StorageError('set', key, failure, true)),
    });
  });
}

export function removeEncryptedStorage(key: string): Promise<void> {
  return new Promise((resolve, reject) => {
    my.removeEncryptedStorage({
      key,
      success: () => resolve(),
      fail: (failure) => reject(new StorageError('remove', key, failure, true)),
    });
  });
}

function parseStored(data: unknown): unknown {
  if (data === undefined || data === null || data === '') return undefined;
  if (typeof data !== 'string') return data;
  try {
    return JSON.parse(data);
  } catch {
    return data;
  }
}
