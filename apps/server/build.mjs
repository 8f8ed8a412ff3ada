/**
 * The production build: src/main.ts and src/migrate.ts bundled by esbuild into dist/, run by plain `node` (no tsx, no dev
 * dependency). The workspace packages (@tini-starter/*, TypeScript sources, devDependencies for that reason)
 * are bundled in; every entry of `dependencies` stays an import of node_modules (better-sqlite3 is native, and
 * the rest gain nothing from bundling), so `pnpm deploy --prod` installs exactly what dist/main.js imports.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

// --outdir: elsewhere than dist/ (the test that runs the build from a pruned install builds into its copy).
const { values } = parseArgs({ options: { outdir: { type: 'string' } } });
const outdir = values.outdir ?? new URL('./dist', import.meta.url).pathname;

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
const external = Object.keys(pkg.dependencies);

const result = await build({
  // The server, and the command that only migrates (`pnpm migrate`); each bundles what it imports.
  entryPoints: ['main', 'migrate'].map((name) => ({
    in: new URL(`./src/${name}.ts`, import.meta.url).pathname,
    out: name,
  })),
  outdir,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external,
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
});
const bytes = Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
console.warn(
  `server build: ${path.join(outdir, 'main.js')}, migrate.js and their source maps, ${(bytes / 1024).toFixed(0)} KB`,
);
