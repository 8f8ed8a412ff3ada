/** What survives a restart, and what the database file holds (and does not). */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { closeAndExpectNoLeak, errorOf, type Stack, startStack } from '../src/testing/harness.ts';

const HOUR = 3600_000;
let stack: Stack;
// The leak check of every flow in this file: no Tiki token, code, secret or signature in a log line or an
// answer, and no session token in a log line.
afterEach(() => closeAndExpectNoLeak(stack));

const key = () => randomBytes(32).toString('base64');

function keyIdOfStoredTokens(dbFile: string): string[] {
  const db = new Database(dbFile, { readonly: true });
  try {
    return (db.prepare('SELECT key_id FROM tiki_tokens').all() as { key_id: string }[]).map(
      (row) => row.key_id,
    );
  } finally {
    db.close();
  }
}

describe('storage', () => {
  it('a restart keeps users, sessions, Tiki tokens and the memory of used codes', async () => {
    stack = await startStack();
    const code = stack.authCode();
    const login = await stack.login(code);
    const { token, user } = login.body as { token: string; user: unknown };
    await stack.restartServer();

    const me = await stack.request('GET', '/api/me', { token });
    expect(me.status).toBe(200);
    expect((me.body as { user: unknown }).user).toEqual(user);
    expect((await stack.request('GET', '/api/profile', { token })).status).toBe(200);
    expect(errorOf(await stack.login(code)).code).toBe('invalid_auth_code');
  });

  it('the database files hold no Tiki token, auth code or session token in plaintext', async () => {
    stack = await startStack();
    const code = stack.authCode();
    const { token } = (await stack.login(code)).body as { token: string };
    stack.clock.advance(2 * HOUR);
    expect((await stack.request('GET', '/api/profile', { token })).status).toBe(200); // a refresh: new tokens
    await stack.server.close(); // (the harness closes it again at the end: close is idempotent)

    const files = readdirSync(stack.dir).map((name) => readFileSync(join(stack.dir, name)));
    expect(files.length).toBeGreaterThan(0);
    const plaintexts = [...stack.recorder.secrets, token, code];
    expect(plaintexts.length).toBeGreaterThanOrEqual(6);
    for (const plaintext of plaintexts) {
      for (const bytes of files) expect(bytes.includes(Buffer.from(plaintext, 'utf8'))).toBe(false);
    }
  });

  it('rotates keys: tokens sealed under the old key still open, and are resealed under the new key at refresh', async () => {
    const oldKey = key();
    const newKey = key();
    stack = await startStack({
      env: { TOKEN_ENCRYPTION_KEYS: `k2025:${oldKey}`, TOKEN_ENCRYPTION_KEY_ID: 'k2025' },
    });
    const token = await stack.loginToken();
    expect(keyIdOfStoredTokens(stack.server.dbFile)).toEqual(['k2025']);

    await stack.restartServer({
      TOKEN_ENCRYPTION_KEYS: `k2025:${oldKey},k2026:${newKey}`,
      TOKEN_ENCRYPTION_KEY_ID: 'k2026',
    });
    expect((await stack.request('GET', '/api/profile', { token })).status).toBe(200);
    expect(keyIdOfStoredTokens(stack.server.dbFile)).toEqual(['k2025']);

    stack.clock.advance(2 * HOUR);
    expect((await stack.request('GET', '/api/profile', { token })).status).toBe(200);
    expect(keyIdOfStoredTokens(stack.server.dbFile)).toEqual(['k2026']);

    // Once nothing is sealed under the old key, it can be retired.
    await stack.restartServer({ TOKEN_ENCRYPTION_KEYS: `k2026:${newKey}`, TOKEN_ENCRYPTION_KEY_ID: 'k2026' });
    expect((await stack.request('GET', '/api/profile', { token })).status).toBe(200);
  });

  it('tokens sealed under a key that is no longer configured give a 500 internal, never garbage sent to Tiki', async () => {
    stack = await startStack({
      env: { TOKEN_ENCRYPTION_KEYS: `gone:${key()}`, TOKEN_ENCRYPTION_KEY_ID: 'gone' },
    });
    const token = await stack.loginToken();
    await stack.restartServer({ TOKEN_ENCRYPTION_KEYS: `other:${key()}`, TOKEN_ENCRYPTION_KEY_ID: 'other' });
    const profile = await stack.request('GET', '/api/profile', { token });
    expect(profile.status).toBe(500);
    expect(profile.body).toEqual({ error: { code: 'internal', message: 'Internal error' } });
    expect(stack.emulator.count('profile')).toBe(0);
  });
});

describe('a database locked by another process', () => {
  /** Another process's writer: holds the write lock (BEGIN IMMEDIATE) until release(). */
  function holdWriteLock(dbFile: string) {
    const other = new Database(dbFile);
    other.exec('BEGIN IMMEDIATE');
    return {
      release() {
        other.exec('ROLLBACK');
        other.close();
      },
    };
  }

  it('never freezes the server: reads and /healthz answer while a write waits, and the write lands after', async () => {
    stack = await startStack();
    const token = await stack.loginToken();
    const code = stack.authCode();
    const lock = holdWriteLock(stack.server.dbFile);
    const login = stack.login(code); // needs the write lock: waits on a timer, not in a busy loop
    const meanwhile = [
      (await stack.request('GET', '/healthz')).status,
      (await stack.request('GET', '/api/me', { token })).status,
      (await stack.request('GET', '/readyz')).status, // cannot take a write now: not ready
    ];
    lock.release(); // only now: the answers above came while the lock was held
    expect(meanwhile).toEqual([200, 200, 503]);
    expect((await login).status).toBe(200);
    expect((await stack.request('GET', '/readyz')).status).toBe(200);
  });

  it('a write that cannot get the lock within DATABASE_BUSY_TIMEOUT_MS is 503 storage_unavailable, never 500', async () => {
    stack = await startStack({ env: { DATABASE_BUSY_TIMEOUT_MS: '300' } });
    const code = stack.authCode();
    const lock = holdWriteLock(stack.server.dbFile);
    const refused = await stack.login(code);
    lock.release();
    expect(refused.status).toBe(503);
    expect(errorOf(refused).code).toBe('storage_unavailable');
    // Nothing was written: the same code logs in now that the lock is free.
    expect((await stack.login(code)).status).toBe(200);
    expect(stack.emulator.countOperation('token', 'ok')).toBe(1);
  });
});
