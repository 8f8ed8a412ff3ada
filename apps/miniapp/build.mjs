// Builds the mini app into a folder Tini Studio opens (project.config.json's `miniprogramRoot`): every
// app/page `.ts` becomes one self-contained `.js` (workspace packages and zod bundled in), `.txml`, `.tcss`,
// `.json` and `.sjs` files are copied beside it. See README.md ("Why a build step").
//
//   tsx build.mjs                  development build into dist/ (API and emulator from the shared configuration)
//   tsx build.mjs --watch          the same, rebuilt on every change
//   MINIAPP_API_BASE_URL=https://api.example.vn tsx build.mjs --production
//
// A development build follows the configuration the server and the emulator read (the root .env, then the
// environment): PORT/HOST give the API origin, TIKI_EMULATOR_PORT/HOST the emulator's, TIKI_CLIENT_ID the app
// its codes are for; MINIAPP_API_BASE_URL and MINIAPP_EMULATOR_ORIGIN still win. Tests import `buildMiniapp`
// and build into a temporary folder with the ports of the servers they started.

import { existsSync, watch as watchFiles } from 'node:fs';
import { cp, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEV_CLIENT_ID, developmentOrigins } from '@tini-starter/tiki-platform/dev';
import * as esbuild from 'esbuild';

const APP_ROOT = path.dirname(fileURLToPath(import.meta.url));
const SRC = path.join(APP_ROOT, 'src');
export const DEFAULT_OUT_DIR = path.join(APP_ROOT, 'dist');
export const DEV_API_BASE_URL = developmentOrigins({}).serverOrigin;
/** The whole package, production build. Tiki's hard limit is 5 MB; a login starter has no reason to be big. */
export const SIZE_BUDGET_BYTES = 100 * 1024;
/** The JavaScript engines of Tiki's hosts; ES2019 syntax is the floor the typecheck also enforces. */
const TARGET = 'es2019';
const STATIC_EXTENSIONS = new Set(['.txml', '.tcss', '.json', '.sjs', '.png', '.jpg', '.svg']);
/** Strings only the development fallback contains; the production build must contain none of them. */
export const DEV_ONLY_MARKERS = ['__emulator', 'auth-codes', DEV_CLIENT_ID, '127.0.0.1', 'localhost'];

export class BuildConfigError extends Error {
  /** @override */
  name = 'BuildConfigError';
}

/**
 * @typedef {object} BuildOptions
 * @property {boolean} [production]
 * @property {string} [apiBaseUrl] our server's origin; required for production (HTTPS only)
 * @property {string} [emulatorOrigin] development only: the emulator's origin when not the default one
 * @property {string} [devClientId] development only: the client key the emulator's codes are for, when not the
 *   development app's
 * @property {string} [outDir]
 * @property {boolean} [quiet] do not print the size report
 * @property {boolean} [clean] empty outDir first (default true; watch rebuilds keep it so Studio never sees it vanish)
 */

/**
 * @typedef {object} BuildResult
 * @property {string} outDir
 * @property {boolean} production
 * @property {string} apiBaseUrl
 * @property {{ file: string, bytes: number }[]} files every file of the package (source maps excluded)
 * @property {number} totalBytes
 */

/**
 * @param {BuildOptions} [options]
 * @returns {Promise<BuildResult>}
 */
export async function buildMiniapp(options = {}) {
  const settings = resolveSettings(options);
  const pages = await readPages();
  if (options.clean ?? true) await rm(settings.outDir, { recursive: true, force: true });
  await mkdir(settings.outDir, { recursive: true });
  await esbuild.build(esbuildOptions(settings, pages));
  await copyStaticFiles(SRC, settings.outDir);
  await writePackageJson(settings.outDir);
  const result = await measure(settings);
  if (settings.production) await assertProductionClean(result);
  if (!options.quiet) printReport(result);
  if (settings.production && result.totalBytes > SIZE_BUDGET_BYTES) {
    throw new BuildConfigError(
      `The package is ${formatBytes(result.totalBytes)}, over the ${formatBytes(SIZE_BUDGET_BYTES)} budget`,
    );
  }
  return result;
}

/**
 * @param {BuildOptions} options
 */
function resolveSettings(options) {
  const production = options.production ?? false;
  const outDir = options.outDir ?? DEFAULT_OUT_DIR;
  if (production) {
    if (!options.apiBaseUrl) {
      throw new BuildConfigError(
        'A production build needs MINIAPP_API_BASE_URL, the HTTPS origin of your server ' +
          '(a domain registered in Tini Console), e.g. MINIAPP_API_BASE_URL=https://api.example.vn',
      );
    }
    if (options.emulatorOrigin) {
      throw new BuildConfigError('MINIAPP_EMULATOR_ORIGIN is for development builds only');
    }
    if (options.devClientId) throw new BuildConfigError('devClientId is for development builds only');
  }
  const apiBaseUrl = checkBaseUrl(options.apiBaseUrl ?? DEV_API_BASE_URL, production);
  const emulatorOrigin = options.emulatorOrigin ? checkBaseUrl(options.emulatorOrigin, false) : '';
  const devClientId = options.devClientId && options.devClientId !== DEV_CLIENT_ID ? options.devClientId : '';
  return { production, outDir, apiBaseUrl, emulatorOrigin, devClientId };
}

/**
 * @param {string} raw
 * @param {boolean} production
 */
function checkBaseUrl(raw, production) {
  /** @type {URL} */
  let url;
  try {
    url = new URL(raw);
  } catch {
    throw new BuildConfigError(`"${raw}" is not a URL; expected e.g. https://api.example.vn`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new BuildConfigError(`"${raw}" must be an http(s) URL`);
  }
  if (production && url.protocol !== 'https:') {
    throw new BuildConfigError(
      `A production build refuses "${raw}": Tiki only lets a mini app call HTTPS domains registered in Tini Console`,
    );
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new BuildConfigError(
      `"${raw}" must be an origin (optionally with a path), without query, hash or user`,
    );
  }
  return url.href.replace(/\/+$/, '');
}

/** The pages listed in src/app.json: each must have its `.ts` (and Studio needs its .txml). */
async function readPages() {
  /** @type {{ pages?: unknown }} */
  const appJson = JSON.parse(await readFile(path.join(SRC, 'app.json'), 'utf8'));
  if (!Array.isArray(appJson.pages) || appJson.pages.length === 0) {
    throw new BuildConfigError('src/app.json must list at least one page');
  }
  /** @type {string[]} */
  const pages = [];
  for (const page of appJson.pages) {
    if (typeof page !== 'string') throw new BuildConfigError('src/app.json: every page must be a string');
    for (const extension of ['.ts', '.txml']) {
      const file = path.join(SRC, `${page}${extension}`);
      if (!(await exists(file)))
        throw new BuildConfigError(`src/app.json lists "${page}" but ${file} is missing`);
    }
    pages.push(page);
  }
  return pages;
}

/**
 * @param {{ production: boolean, outDir: string, apiBaseUrl: string, emulatorOrigin: string, devClientId: string }} settings
 * @param {string[]} pages
 * @returns {esbuild.BuildOptions}
 */
function esbuildOptions(settings, pages) {
  return {
    entryPoints: [
      { in: path.join(SRC, 'app.ts'), out: 'app' },
      ...pages.map((page) => ({ in: path.join(SRC, `${page}.ts`), out: page })),
    ],
    outdir: settings.outDir,
    bundle: true,
    // One self-contained script per file: no import/export left for the host's loader to interpret.
    format: 'iife',
    platform: 'browser',
    target: TARGET,
    charset: 'utf8',
    minify: settings.production,
    sourcemap: settings.production ? false : 'linked',
    legalComments: 'none',
    logLevel: 'warning',
    plugins: [constantOnlyModules],
    // Every `globalThis` in the bundle (zod's) becomes this module's object: the host has no globalThis.
    inject: [path.join(SRC, 'platform', 'global-this.ts')],
    define: {
      __DEV__: String(!settings.production),
      __API_BASE_URL__: JSON.stringify(settings.apiBaseUrl),
      __EMULATOR_ORIGIN__: JSON.stringify(settings.emulatorOrigin),
      __DEV_CLIENT_ID__: JSON.stringify(settings.devClientId),
    },
  };
}

/**
 * `@tini-starter/tiki-platform/dev` is constants only, but esbuild cannot prove that its template literals
 * have no side effects, so it would keep the module (and its http:// URLs) in the production build even
 * though only the development branch uses it. Declaring it side-effect free lets tree shaking drop it.
 * @type {esbuild.Plugin}
 */
const constantOnlyModules = {
  name: 'constant-only-modules',
  setup(build) {
    build.onResolve({ filter: /^@tini-starter\/tiki-platform\/dev$/ }, async (args) => {
      if (args.pluginData?.resolvingConstantOnly) return undefined;
      const resolved = await build.resolve(args.path, {
        kind: args.kind,
        resolveDir: args.resolveDir,
        pluginData: { resolvingConstantOnly: true },
      });
      if (resolved.errors.length > 0) return { errors: resolved.errors };
      return { path: resolved.path, sideEffects: false };
    });
  },
};

/**
 * @param {string} from
 * @param {string} to
 */
async function copyStaticFiles(from, to) {
  for (const entry of await readdir(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) {
      if (entry.name === 'testing') continue;
      await copyStaticFiles(source, target);
    } else if (STATIC_EXTENSIONS.has(path.extname(entry.name))) {
      await mkdir(to, { recursive: true });
      await cp(source, target);
    }
  }
}

/** Studio reads `tiki.appIdentifier` from package.json; the built folder gets its own, without dependencies. */
/**
 * @param {string} outDir
 */
async function writePackageJson(outDir) {
  /** @type {{ name: string, version: string, tiki?: unknown }} */
  const pkg = JSON.parse(await readFile(path.join(APP_ROOT, 'package.json'), 'utf8'));
  const built = {
    name: pkg.name.replace(/^@[^/]+\//, ''),
    version: pkg.version,
    private: true,
    tiki: pkg.tiki,
  };
  await writeFile(path.join(outDir, 'package.json'), `${JSON.stringify(built, null, 2)}\n`);
}

/**
 * @param {{ production: boolean, outDir: string, apiBaseUrl: string }} settings
 * @returns {Promise<BuildResult>}
 */
async function measure(settings) {
  /** @type {{ file: string, bytes: number }[]} */
  const files = [];
  /** @param {string} dir */
  async function walk(dir) {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (!entry.name.endsWith('.map')) {
        files.push({ file: path.relative(settings.outDir, full), bytes: (await stat(full)).size });
      }
    }
  }
  await walk(settings.outDir);
  files.sort((a, b) => a.file.localeCompare(b.file));
  const totalBytes = files.reduce((sum, f) => sum + f.bytes, 0);
  return {
    outDir: settings.outDir,
    production: settings.production,
    apiBaseUrl: settings.apiBaseUrl,
    files,
    totalBytes,
  };
}

/**
 * Belt and braces for "a production build contains none of the development fallback".
 * @param {BuildResult} result
 */
async function assertProductionClean(result) {
  for (const { file } of result.files) {
    if (!file.endsWith('.js')) continue;
    const text = await readFile(path.join(result.outDir, file), 'utf8');
    const found = DEV_ONLY_MARKERS.filter((marker) => text.includes(marker));
    if (found.length > 0 || text.includes('http://')) {
      throw new BuildConfigError(
        `${file} of the production build contains development code (${found.join(', ')})`,
      );
    }
  }
}

/**
 * @param {BuildResult} result
 */
function printReport(result) {
  const kind = result.production ? 'production' : 'development';
  const lines = result.files.map((f) => `  ${f.file.padEnd(32)} ${formatBytes(f.bytes).padStart(9)}`);
  const budget = result.production ? ` (budget ${formatBytes(SIZE_BUDGET_BYTES)})` : '';
  console.warn(
    [
      `miniapp ${kind} build -> ${path.relative(process.cwd(), result.outDir) || '.'} (API ${result.apiBaseUrl})`,
      ...lines,
      `  package size ${formatBytes(result.totalBytes)}${budget}`,
    ].join('\n'),
  );
}

/**
 * @param {number} bytes
 */
function formatBytes(bytes) {
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KB`;
}

/**
 * @param {string} file
 */
async function exists(file) {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}

/**
 * Rebuilds on every change under src/ (coalescing bursts of events into one build).
 * @param {BuildOptions} options
 */
async function watchAndBuild(options) {
  await buildMiniapp(options);
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let pending;
  let building = false;
  let again = false;
  const rebuild = async () => {
    if (building) {
      again = true;
      return;
    }
    building = true;
    try {
      await buildMiniapp({ ...options, clean: false });
    } catch (error) {
      console.error(error instanceof Error ? error.message : error);
    } finally {
      building = false;
      if (again) {
        again = false;
        void rebuild();
      }
    }
  };
  watchFiles(SRC, { recursive: true }, () => {
    clearTimeout(pending);
    pending = setTimeout(rebuild, 50);
  });
  for (const dir of ['packages/api-contract/src', 'packages/tiki-platform/src']) {
    watchFiles(path.join(APP_ROOT, '../..', dir), { recursive: true }, () => {
      clearTimeout(pending);
      pending = setTimeout(rebuild, 50);
    });
  }
  console.warn('miniapp: watching src/ for changes');
  await servePreview(options.outDir ?? DEFAULT_OUT_DIR);
}

/**
 * `pnpm dev`'s browser preview of the built app (packages/tini-preview), on MINIAPP_PREVIEW_HOST and
 * MINIAPP_PREVIEW_PORT: development only, loopback only, reloaded whenever this watch writes a new build.
 * @param {string} outDir
 */
async function servePreview(outDir) {
  const { startDevelopmentPreview } = await import('@tini-starter/tini-preview/development');
  const preview = await startDevelopmentPreview({
    what: 'miniapp preview',
    root: outDir,
    name: 'Tini Starter',
    env: process.env,
  });
  console.warn(`miniapp: preview at ${preview.url} (a browser approximation, not Tini Studio)`);
}

/**
 * The build's options from a configuration (the environment, after the root .env): explicit MINIAPP_* URLs win;
 * a development build otherwise follows the server's and the emulator's ports and the configured client key.
 * @param {Record<string, string | undefined>} env
 * @param {boolean} production
 * @returns {BuildOptions}
 */
export function optionsFromEnv(env, production) {
  const value = (/** @type {string} */ name) => (env[name] === '' ? undefined : env[name]);
  if (production) {
    const apiBaseUrl = value('MINIAPP_API_BASE_URL');
    const emulatorOrigin = value('MINIAPP_EMULATOR_ORIGIN');
    return {
      production,
      ...(apiBaseUrl ? { apiBaseUrl } : {}),
      ...(emulatorOrigin ? { emulatorOrigin } : {}),
    };
  }
  const origins = developmentOrigins(env);
  const devClientId = value('TIKI_CLIENT_ID');
  return {
    production,
    apiBaseUrl: value('MINIAPP_API_BASE_URL') ?? origins.serverOrigin,
    emulatorOrigin: value('MINIAPP_EMULATOR_ORIGIN') ?? origins.emulatorOrigin,
    ...(devClientId ? { devClientId } : {}),
  };
}

async function main() {
  const args = new Set(process.argv.slice(2));
  // The development configuration all three apps share; what the environment already says wins.
  const rootEnv = path.join(APP_ROOT, '../../.env');
  if (existsSync(rootEnv)) process.loadEnvFile(rootEnv);
  const options = optionsFromEnv(
    process.env,
    args.has('--production') || process.env.NODE_ENV === 'production',
  );
  try {
    if (args.has('--watch')) await watchAndBuild(options);
    else await buildMiniapp(options);
  } catch (error) {
    if (!(error instanceof BuildConfigError)) throw error;
    console.error(`miniapp build: ${error.message}`);
    process.exitCode = 1;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
