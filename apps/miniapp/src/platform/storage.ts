/** `my.getStorage` / `my.setStorage` / `my.removeStorage` as promises (6 MB per app, kept across launches). */

export class StorageError extends Error {
  override name = 'StorageError';
  constructor(
    readonly operation: 'get' | 'set' | 'remove',
    readonly key: string,
    hostMessage: string | undefined,
  ) {
    super(`my.${operation}Storage failed for "${key}": ${hostMessage ?? 'no message'}`);
  }
}

/** Resolves the stored value, or undefined when nothing is stored under `key`. */
export function readStorage(key: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    my.getStorage({
      key,
      success: (result) => resolve(result?.data ?? undefined),
      fail: (failure) => reject(new StorageError('get', key, failure?.errorMessage)),
    });
  });
}

export function writeStorage(key: string, data: my.StorageData): Promise<void> {
  return new Promise((resolve, reject) => {
    my.setStorage({
      key,
      data,
      success: () => resolve(),
      fail: (failure) => reject(new StorageError('set', key, failure?.errorMessage)),
    });
  });
}

export function removeStorage(key: string): Promise<void> {
  return new Promise((resolve, reject) => {
    my.removeStorage({
      key,
      success: () => resolve(),
      fail: (failure) => reject(new StorageError('remove', key, failure?.errorMessage)),
    });
  });
}
