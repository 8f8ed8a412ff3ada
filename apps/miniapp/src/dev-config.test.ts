/**
 * The one development configuration, end to end through the real processes: the emulator and the server are
 * started from their entry points (as `pnpm dev` does) with nothing but the shared variables, on ports that are
 * not the defaults, with a fork's own client key; the mini app is built from the same variables; a sign-in
 * through its development consent fallback must then work with no other setting.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@tini-starter/tiki-platform/testing/ports';
import { launch } from '@tini-starter/tini-host/node';
import { afterAll, describe, expect, it } from 'vitest';
import { buildMiniapp, optionsFromEnv } from '../build.mjs';
import { hostGivesNoCode } from './testing/auth-codes.ts';

const APPS = fileURLToPath(new URL('../..', import.meta.url));
const children: ChildProcess[] = [];
const dirs: string[] = [];
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Starts an app's entry point with only `env` (plus PATH), as `pnpm dev` would, and waits for `url`. */
async function startEntry(app: string, env: Record<string, string>, url: string): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: path.join(APPS, app),
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: 'ignore',
  });
  children.push(child);
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`${app} exited (${child.exitCode}) before it answered`);
    if (
      await fetch(url).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${app} did not answer at ${url}`);
}

describe('one development configuration', () => {
  it('moves the emulator and the server to other ports with a fork’s own key, and a sign-in still works', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'dev-config-'));
    dirs.push(dataDir);
    const shared = {
      TIKI_EMULATOR_PORT: String(await freePort()),
      PORT: String(await freePort()),
      METRICS_PORT: String(await freePort()),
      TIKI_CLIENT_ID: 'fork-app',
      TIKI_CLIENT_SECRET: 'fork-secret-for-development-only-0123456789',
    };
    await startEntry(
      'tiki-emulator',
      shared,
      `http://127.0.0.1:${shared.TIKI_EMULATOR_PORT}/__emulator/state`,
    );
    await startEntry(
      'server',
      { ...shared, DATA_DIR: dataDir, LOG_LEVEL: 'silent' },
      `http://127.0.0.1:${shared.PORT}/readyz`,
    );
    const distDir = mkdtempSync(path.join(tmpdir(), 'dev-config-dist-'));
    dirs.push(distDir);
    await buildMiniapp({ ...optionsFromEnv(shared, false), outDir: distDir, quiet: true });

    // The host gives no code, as Studio without a Tini Console app: the build asks the emulator, for fork-app.
    const app = await launch({ distDir, authCodes: hostGivesNoCode });
    await app.page.idle();
    await app.page.tap('onSignInTap');
    expect(app.page.data()).toMatchObject({
      phase: 'signed_in',
      account: { name: 'Ti Ni', tikiCustomerId: 1 },
    });
    expect(app.log.requests.map((r) => new URL(r.url).port)).toContain(shared.PORT);
  });
});
