import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const SECRET = 'a-secret-that-must-never-be-printed-0000000000000000000000000000';

function start(env: Record<string, string>): {
  child: ChildProcess;
  output: () => string;
  ready: Promise<string>;
} {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const ready = new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const origin = /listening on (http:\/\/[^;\s]+)/.exec(output)?.[1];
      if (origin !== undefined) resolve(origin);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`exited with ${code}: ${output}`)));
  });
  // A child that is meant to fail must not leave an unhandled rejection behind.
  ready.catch(() => undefined);
  return { child, output: () => output, ready };
}

// Each test starts Node processes through tsx: slow on a busy machine, so a generous budget (not an assertion).
describe('main', { timeout: 60_000 }, () => {
  it('serves the app of TIKI_CLIENT_ID, says state is in memory, never prints the secret, stops on SIGTERM', async () => {
    const { child, output, ready } = start({
      TIKI_EMULATOR_PORT: '0',
      TIKI_CLIENT_ID: 'configured-app',
      TIKI_CLIENT_SECRET: SECRET,
    });
    try {
      const origin = await ready;
      expect(origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const state = (await (await fetch(`${origin}/__emulator/state`)).json()) as {
        apps: { clientId: string }[];
      };
      expect(state.apps.map((app) => app.clientId)).toEqual(['configured-app']);
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [code] = await exited;
      expect(code).toBe(0);
      expect(output()).toContain('state is kept in memory');
      expect(output()).toContain('SIGTERM, shutting down');
      expect(output()).not.toContain(SECRET);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('lets the configured app request the scopes of TIKI_EMULATOR_ALLOWED_SCOPES (a fork adding a scope)', async () => {
    const { child, ready } = start({
      TIKI_EMULATOR_PORT: '0',
      TIKI_CLIENT_ID: 'my-app',
      TIKI_EMULATOR_ALLOWED_SCOPES: 'user_profile, offline, user_address',
    });
    try {
      const origin = await ready;
      const answer = await fetch(`${origin}/__emulator/auth-codes`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ clientId: 'my-app', scopes: ['user_profile', 'user_address'] }),
      });
      expect(await answer.json()).toMatchObject({
        authSuccessScopes: ['user_profile', 'user_address'],
        authErrorScopes: {},
      });
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('exits with a clear message when the port is taken', async () => {
    const first = start({ TIKI_EMULATOR_PORT: '0' });
    try {
      const port = new URL(await first.ready).port;
      const second = start({ TIKI_EMULATOR_PORT: port });
      const [code] = await once(second.child, 'exit');
      expect(code).toBe(1);
      expect(second.output()).toContain(`127.0.0.1:${port} is already in use`);
    } finally {
      first.child.kill('SIGTERM');
    }
  });
});
