/**
 * `pnpm preview <folder>`: any Tini App project in the browser preview, as Tini Studio opens it (its
 * project.config.json's miniprogramRoot, or the folder itself when it holds app.json), on the development
 * preview address (MINIAPP_PREVIEW_HOST and MINIAPP_PREVIEW_PORT, as `pnpm dev` uses; the root .env is read
 * first). The folder is relative to where `pnpm` was run. Scripts are compiled on every change, so a source
 * project needs no build step of its own.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { appRootOf } from './app-files.ts';
import { startDevelopmentPreview } from './development.ts';

const rootEnv = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../../.env');
if (existsSync(rootEnv)) process.loadEnvFile(rootEnv);

const [given] = process.argv.slice(2);
if (given === undefined || given.startsWith('-')) {
  console.error('usage: pnpm preview <folder>  (a Tini App project: project.config.json or app.json inside)');
  process.exit(2);
}
// pnpm runs this script in the package's folder; INIT_CWD is where the user typed the command.
const invokedIn = process.env.INIT_CWD ?? process.cwd();
const folder = path.resolve(invokedIn, given);
const root = await appRootOf(folder);
if (!existsSync(path.join(root, 'app.json'))) {
  console.error(`preview: no app.json in ${root} (is ${given} a Tini App project, and is it built?)`);
  process.exit(1);
}
const preview = await startDevelopmentPreview({
  what: 'preview',
  root,
  name: path.basename(folder),
  env: process.env,
});
console.warn(`preview: ${path.relative(invokedIn, root) || '.'} at ${preview.url} (not Tini Studio)`);
