/**
 * Production as a deploy runs it: a pruned install of this package (`pnpm deploy --prod`: its dependencies
 * only, no tsx, no dev dependency), the build in it, and `node dist/main.js` logging a user in against the
 * emulator, then stopping cleanly on SIGTERM.
 */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createEmulator } from '@tini-starter/tiki-emulator/emulator';
import { DEV_CLIENT_ID } from '@tini-starter/tiki-platform/dev';
import { afterAll, expect, it } from 'vitest';

const SERVER_ROOT = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), 'server-deploy-'));
const deployed = path.join(dir, 'server');
const emulator = createEmulator();
afterAll(async () => {
  await emulator.close();
  rmSync(dir, { recursive: true, force: true });
});

it('runs from a pruned install with plain node: no tsx, no dev dependency; logs in; stops on SIGTERM', async () => {
  execFileSync('pnpm', ['--filter', '@tini-starter/server', 'deploy', '--prod', '--legacy', deployed], {
    cwd: SERVER_ROOT,
    stdio: 'pipe',
  });
  execFileSync(process.execPath, ['build.mjs', '--outdir', path.join(deployed, 'dist')], {
    cwd: SERVER_ROOT,
    stdio: 'pipe',
  });
  const installed = readdirSync(path.join(deployed, 'node_modules', '.pnpm'));
  expect(installed.filter((name) => /^(tsx|esbuild|vitest|pino-pretty|@tini-starter)/.test(name))).toEqual(
    [],
  );
  expect(existsSync(path.join(deployed, 'src'))).toBe(false);

  const origin = await emulator.listen();
  const child = spawn(process.execPath, ['--enable-source-maps', 'dist/main.js'], {
    cwd: deployed,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'development',
      PORT: '0',
      LOG_PRETTY: 'false',
      DATABASE_FILE: path.join(dir, 'server.sqlite'),
      TIKI_REST_BASE_URL: `${origin}/tiniapp-open-api`,
      TIKI_GRAPHQL_URL: `${origin}/tiniapp/api/graphql/query`,
      TIKI_OPEN_API_BASE_URL: origin,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = once(child, 'exit');
  const lines: string[] = [];
  createInterface({ input: child.stderr }).on('line', (line) => lines.push(line));
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(line);
      const entry = JSON.parse(line) as { msg?: string; url?: string };
      if (entry.msg === 'server listening' && entry.url) resolve(entry.url);
    });
    void exited.then(() => reject(new Error(`the built server exited:\n${lines.join('\n')}`)));
  });

  const { authCode } = emulator.issueAuthCode({
    clientId: DEV_CLIENT_ID,
    scopes: ['user_profile', 'offline'],
  });
  const login = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ authCode }),
  });
  expect(login.status).toBe(200);
  const { token } = (await login.json()) as { token: string };
  const me = await fetch(`${url}/api/me`, { headers: { authorization: `Bearer ${token}` } });
  expect(await me.json()).toMatchObject({ user: { tikiCustomerId: 1, name: 'Ti Ni' } });

  child.kill('SIGTERM');
  const [code] = await exited;
  expect(code).toBe(0);
});
