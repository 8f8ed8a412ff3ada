import { afterEach, describe, expect, it } from 'vitest';
import { readStorage, removeStorage, StorageError, writeStorage } from './storage.ts';

const globals = globalThis as unknown as { my?: unknown };
type Options = { key: string; data?: unknown; success?: (r?: unknown) => void; fail?: (r?: unknown) => void };

/** A host keeping values in a Map, answering asynchronously like a real one; `failing` makes every call fail. */
function useHost(failing: false | unknown = false): Map<string, unknown> {
  const values = new Map<string, unknown>();
  const answer = (o: Options, result?: unknown) =>
    setImmediate(() => (failing !== false ? o.fail?.(failing) : o.success?.(result)));
  globals.my = {
    getStorage: (o: Options) => answer(o, { data: values.get(o.key) ?? null }),
    setStorage: (o: Options) => {
      if (!failing) values.set(o.key, o.data);
      answer(o);
    },
    removeStorage: (o: Options) => {
      if (!failing) values.delete(o.key);
      answer(o);
    },
  };
  return values;
}

afterEach(() => {
  delete globals.my;
});

describe('storage over my.getStorage / setStorage / removeStorage', () => {
  it('writes, reads back and removes a value; an absent key reads as undefined', async () => {
    const values = useHost();
    await writeStorage('k', { token: 't' });
    expect(await readStorage('k')).toEqual({ token: 't' });
    await removeStorage('k');
    expect(values.has('k')).toBe(false);
    expect(await readStorage('k')).toBeUndefined();
  });

  it('a host failure becomes a StorageError naming the operation and key', async () => {
    useHost({ error: 15, errorMessage: 'quota' });
    await expect(writeStorage('k', 'v')).rejects.toMatchObject({
      name: 'StorageError',
      operation: 'set',
      key: 'k',
    });
    await expect(readStorage('k')).rejects.toBeInstanceOf(StorageError);
    await expect(removeStorage('k')).rejects.toMatchObject({ operation: 'remove' });
  });

  it.each([
    ['{ error, errorMessage }', { error: 15, errorMessage: 'quota' }],
    ['{ code, message }', { code: 'QUOTA', message: 'quota' }],
    ['a bare string', 'quota'],
  ])("says what the host said, whatever the fail payload's shape: %s", async (_shape, payload) => {
    useHost(payload);
    await expect(writeStorage('k', 'v')).rejects.toThrow('my.setStorage failed for "k": quota');
  });
});
