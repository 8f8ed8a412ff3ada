/**
 * Production as a deploy runs it: a pruned install of this package (`pnpm deploy --prod`: its dependencies
 * only, no tsx, no dev dependency), the build in it, and `node dist/main.js` logging a user in against the
 * emulator, then stopping cleanly on SIGTERM: on SQLite, and on PostgreSQL after `node dist/migrate.js`.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createEmulator } from '@tini-starter/tiki-emulator/emulator';
import { DEV_CLIENT_ID } from '@tini-starter/tiki-platform/dev';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { testDatabase } from '../src/testing/test-database.ts';

const SERVER_ROOT = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), 'server-deploy-'));
const deployed = path.join(dir, 'server');
const emulator = createEmulator();
afterAll(async () => {
  await emulator.close();
  rmSync(dir, { recursive: true, force: true });
});

let origin: string;

beforeAll(async () => {
  execFileSync('pnpm', ['--filter', '@tini-starter/server', 'deploy', '--prod', '--legacy', deployed], {
    cwd: SERVER_ROOT,
    stdio: 'pipe',
  });
  execFileSync(process.execPath, ['build.mjs', '--outdir', path.join(deployed, 'dist')], {
    cwd: SERVER_ROOT,
    stdio: 'pipe',
  });
  origin = await emulator.listen();
}, 180_000);

function productionEnv(env: Record<string, string>): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'development',
    PORT: '0',
    LOG_PRETTY: 'false',
    METRICS_PORT: '0',
    TIKI_REST_BASE_URL: `${origin}/tiniapp-open-api`,
    TIKI_GRAPHQL_URL: `${origin}/tiniapp/api/graphql/query`,
    TIKI_OPEN_API_BASE_URL: origin,
    ...env,
  };
}

/** `node dist/main.js` in the pruned install: logs a user in, reads /api/me, stops on SIGTERM with exit 0. */
async function runBuiltServer(env: Record<string, string>): Promise<string[]> {
  const child = spawn(process.execPath, ['--enable-source-maps', 'dist/main.js'], {
    cwd: deployed,
    env: productionEnv(env),
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
  expect((await fetch(`${url}/readyz`)).status).toBe(200);

  child.kill('SIGTERM');
  const [code] = await exited;
  expect(code).toBe(0);
  return lines;
}

it('is a pruned install with plain node: no tsx, no dev dependency, no sources', () => {
  const installed = readdirSync(path.join(deployed, 'node_modules', '.pnpm'));
  expect(installed.filter((name) => /^(tsx|esbuild|vitest|pino-pretty|@tini-starter)/.test(name))).toEqual(
    [],
  );
  expect(installed.some((name) => name.startsWith('pg@'))).toBe(true);
  expect(existsSync(path.join(deployed, 'src'))).toBe(false);
});

it('on SQLite: logs in and stops on SIGTERM', async () => {
  await runBuiltServer({ DATABASE_FILE: path.join(dir, 'server.sqlite') });
});

it('on PostgreSQL: `node dist/migrate.js` migrates, then the server (not migrating itself) logs in', async () => {
  const url = await testDatabase();
  const env = productionEnv({ DATABASE_URL: url, DATABASE_MIGRATE_ON_START: 'false' });
  // Before the migration the server refuses to start, naming the command.
  const early = spawnSync(process.execPath, ['dist/main.js'], { cwd: deployed, env, encoding: 'utf8' });
  expect(early.status).not.toBe(0);
  expect(early.stderr).toMatch(
    /^server: could not start \(postgres:\/\/127\.0\.0\.1:\d+\/tini_test_\w+\): .*needs v\d+: run `pnpm --filter @tini-starter\/server migrate` first/,
  );

  const migrate = () =>
    spawnSync(process.execPath, ['dist/migrate.js'], { cwd: deployed, env, encoding: 'utf8' });
  const first = migrate();
  expect(first.status).toBe(0);
  expect(first.stderr).toMatch(
    /^migrate: postgres:\/\/127\.0\.0\.1:\d+\/tini_test_\w+: migrated from schema v0 to v\d+$/m,
  );
  expect(migrate().stderr).toMatch(/already at schema v\d+$/m);
  // Neither output, nor the server's log, shows the password.
  const password = new URL(url).password;
  const lines = await runBuiltServer({ DATABASE_URL: url, DATABASE_MIGRATE_ON_START: 'false' });
  expect([first.stdout, first.stderr, early.stderr, ...lines].join('\n')).not.toContain(password);
});
