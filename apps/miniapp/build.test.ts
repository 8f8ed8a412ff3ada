/**
 * The build: what Tini Studio opens, and what a production build may and may not contain.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { launch } from '@tini-starter/tini-host/node';
import { afterAll, describe, expect, it } from 'vitest';
import {
  BuildConfigError,
  buildMiniapp,
  DEFAULT_OUT_DIR,
  DEV_API_BASE_URL,
  DEV_ONLY_MARKERS,
  optionsFromEnv,
  SIZE_BUDGET_BYTES,
} from './build.mjs';
import { hostFails } from './src/testing/auth-codes.ts';

const made: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'miniapp-build-'));
  made.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** One production build, shared by the tests that only read it (each build takes a while). */
let production: Promise<{ outDir: string; result: Awaited<ReturnType<typeof buildMiniapp>> }> | undefined;
function productionBuild() {
  production ??= (async () => {
    const outDir = tempDir();
    const result = await buildMiniapp({
      production: true,
      apiBaseUrl: 'https://api.example.vn',
      outDir,
      quiet: true,
    });
    return { outDir, result };
  })();
  return production;
}

function jsOf(outDir: string, files: { file: string }[]): string {
  return files
    .filter((f) => f.file.endsWith('.js'))
    .map((f) => readFileSync(path.join(outDir, f.file), 'utf8'))
    .join('\n');
}

describe('the production build', () => {
  it('contains no emulator code and no http:// URL, only the HTTPS base URL, within the size budget', async () => {
    const { outDir, result } = await productionBuild();
    const js = jsOf(outDir, result.files);

    for (const marker of DEV_ONLY_MARKERS) expect(js).not.toContain(marker);
    expect(js).not.toContain('http://');
    expect(js).not.toContain('DEV_CLIENT');
    // Globals the Tini logic thread lacks (the test host shadows the others; eval cannot be shadowed).
    expect(js.match(/\beval\(|\bglobalThis\b/g)).toBeNull();
    expect(js).toContain('https://api.example.vn');
    expect(result.totalBytes).toBeLessThan(SIZE_BUDGET_BYTES);
    expect(result.files.some((f) => f.file.endsWith('.map'))).toBe(false);
  });

  it('is a complete Tini App package: app, every page (js, txml, tcss, json) and package.json with `tiki`', async () => {
    const { outDir, result } = await productionBuild();
    const files = result.files.map((f) => f.file);
    expect(files).toEqual(
      expect.arrayContaining(['app.js', 'app.json', 'app.tcss', 'package.json', 'pages/index/index.js']),
    );
    for (const ext of ['js', 'txml', 'tcss', 'json']) expect(files).toContain(`pages/index/index.${ext}`);
    expect(files.some((f) => f.includes('testing') || f.endsWith('.ts'))).toBe(false);

    const pkg = JSON.parse(readFileSync(path.join(outDir, 'package.json'), 'utf8'));
    const source = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
    expect(pkg.tiki).toEqual(source.tiki);
    expect(pkg.dependencies).toBeUndefined();
  });

  it.each([
    ['http://api.example.vn', /refuses "http:\/\/api.example.vn"/],
    ['not a url', /is not a URL/],
    ['https://api.example.vn/?x=1', /without query/],
  ])('refuses the base URL %s', async (apiBaseUrl, message) => {
    const error = await buildMiniapp({ production: true, apiBaseUrl, outDir: tempDir(), quiet: true }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(BuildConfigError);
    expect((error as Error).message).toMatch(message);
  });

  it('refuses to build without MINIAPP_API_BASE_URL, and refuses an emulator origin', async () => {
    await expect(buildMiniapp({ production: true, outDir: tempDir(), quiet: true })).rejects.toThrow(
      /needs MINIAPP_API_BASE_URL/,
    );
    await expect(
      buildMiniapp({
        production: true,
        apiBaseUrl: 'https://api.example.vn',
        emulatorOrigin: 'http://127.0.0.1:4010',
        outDir: tempDir(),
        quiet: true,
      }),
    ).rejects.toThrow(/development builds only/);
  });
});

describe('the production build, run in the test host', () => {
  it('starts signed out, and when my.getAuthCode fails it says so instead of calling any emulator', async () => {
    const { outDir } = await productionBuild();
    const app = await launch({ distDir: outDir, authCodes: hostFails });
    await app.page.idle();
    expect(app.page.data()).toMatchObject({ phase: 'signed_out' });

    await app.page.tap('onSignInTap');
    expect(app.page.data()).toMatchObject({
      phase: 'signed_out',
      error: { title: 'Chưa kết nối được tài khoản Tiki', action: 'sign_in' },
    });
    expect(app.log.authCodeCalls).toEqual([{ scopes: ['user_profile', 'offline'] }]);
    expect(app.log.requests).toEqual([]);
  });
});

describe('the development build', () => {
  it('calls http://127.0.0.1:3000 by default and keeps the emulator fallback', async () => {
    const outDir = tempDir();
    const result = await buildMiniapp({ outDir, quiet: true });
    const js = jsOf(outDir, result.files);
    expect(result.apiBaseUrl).toBe(DEV_API_BASE_URL);
    expect(js).toContain(JSON.stringify(DEV_API_BASE_URL));
    expect(js).toContain('/__emulator/auth-codes');
  });
});

describe('the development build follows the configuration the server and the emulator share', () => {
  it('takes its API origin from PORT/HOST, the emulator’s from TIKI_EMULATOR_PORT/HOST, codes for TIKI_CLIENT_ID', () => {
    expect(optionsFromEnv({}, false)).toEqual({
      production: false,
      apiBaseUrl: 'http://127.0.0.1:3000',
      emulatorOrigin: 'http://127.0.0.1:4010',
    });
    expect(
      optionsFromEnv({ PORT: '3300', TIKI_EMULATOR_PORT: '4310', TIKI_CLIENT_ID: 'my-app' }, false),
    ).toEqual({
      production: false,
      apiBaseUrl: 'http://127.0.0.1:3300',
      emulatorOrigin: 'http://127.0.0.1:4310',
      devClientId: 'my-app',
    });
    // An explicit URL wins; a production build takes only what is said explicitly.
    expect(
      optionsFromEnv({ PORT: '3300', MINIAPP_API_BASE_URL: 'http://10.0.2.2:3000' }, false).apiBaseUrl,
    ).toBe('http://10.0.2.2:3000');
    expect(optionsFromEnv({ PORT: '3300', TIKI_CLIENT_ID: 'my-app' }, true)).toEqual({ production: true });
  });

  it('asks the emulator for codes for the configured client key', async () => {
    const outDir = tempDir();
    const result = await buildMiniapp({
      outDir,
      quiet: true,
      ...optionsFromEnv({ TIKI_CLIENT_ID: 'my-app' }, false),
    });
    expect(jsOf(outDir, result.files)).toContain('"my-app"');
  });
});

describe('the project Tini Studio opens (apps/miniapp)', () => {
  it('lists no dependency npm cannot install outside this workspace: Studio reads and may pack `dependencies`', () => {
    const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
    // esbuild inlines the workspace packages and zod into the bundle: nothing is needed at run time.
    expect(pkg.dependencies ?? {}).toEqual({});
    expect(pkg.tiki.appIdentifier).toEqual(expect.any(String));
  });

  it('is never rebuilt by the tests: each builds into its own folder, so `pnpm test` during `pnpm dev` leaves dist/ alone', () => {
    const scripts = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')).scripts;
    expect(scripts.test).not.toMatch(/build/);
    expect(scripts.dev).toMatch(/build\.mjs --watch/);
  });

  it('points miniprogramRoot at the build folder', () => {
    const config = JSON.parse(readFileSync(new URL('./project.config.json', import.meta.url), 'utf8'));
    expect(path.resolve(path.dirname(new URL(import.meta.url).pathname), config.miniprogramRoot)).toBe(
      DEFAULT_OUT_DIR,
    );
  });
});
