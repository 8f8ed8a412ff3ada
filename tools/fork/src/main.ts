/**
 * pnpm fork --name "Cửa hàng Tini" --app-id <Tini Console app id> --scope user_profile --scope offline
 *   [--package-scope cua-hang-tini] [--no-install]
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { applyFork, consoleChecklist, ForkError, planFork } from './fork.ts';

const USAGE = `Usage: pnpm fork --name "<app name>" --app-id <Tini Console app id> --scope user_profile [--scope offline]
                 [--package-scope <npm scope>] [--no-install]

Renames the package scope and every reference, sets the app id, the titles and the scopes the mini app asks for,
writes .env and apps/server/.env (a fresh token-encryption key), runs pnpm install, and prints what to do in
Tini Console. Run it on a clean clone: git diff then shows everything it changed.`;

const ROOT = path.resolve(import.meta.dirname, '../../..');

function main(argv: string[]): number {
  let values: ReturnType<typeof parse>['values'];
  try {
    ({ values } = parse(argv));
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (values.name === undefined || values['app-id'] === undefined) {
    console.error(`--name and --app-id are required.\n\n${USAGE}`);
    return 2;
  }
  const dirty = execFileSync('git', ['status', '--porcelain'], { cwd: ROOT, encoding: 'utf8' });
  if (dirty.trim() !== '') {
    console.error(
      'pnpm fork: the work tree has changes. Commit or stash them first, so that git diff shows what the fork changes.',
    );
    return 1;
  }
  try {
    const plan = planFork({
      name: values.name,
      appId: values['app-id'],
      scopes: values.scope ?? [],
      ...(values['package-scope'] === undefined ? {} : { packageScope: values['package-scope'] }),
    });
    const result = applyFork(ROOT, plan);
    const out = [
      `Forked as "${plan.name}": packages @${plan.packageScope}/*, app id ${plan.appId}, scopes ${plan.scopes.join(', ')}.`,
      `${result.changed.length} files changed (git diff shows them).`,
      ...result.written.map((file) => `Wrote ${file}.`),
      ...result.kept.map(({ file, lines }) => `Kept your ${file}; add: ${lines.join(' ')}`),
    ];
    process.stdout.write(`${out.join('\n')}\n`);
    // Longer or shorter names move line breaks: the changed files are formatted as the repository's lint expects.
    execFileSync(
      'pnpm',
      [
        'exec',
        'biome',
        'format',
        '--write',
        '--files-ignore-unknown=true',
        '--no-errors-on-unmatched',
        ...result.changed,
      ],
      { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] },
    );
    if (!values['no-install']) {
      // The workspace's links are named after the packages: they must be made again under the new scope.
      execFileSync('pnpm', ['install'], { cwd: ROOT, stdio: 'inherit' });
    }
    process.stdout.write(
      `\nIn Tini Console:\n${consoleChecklist(plan).join('\n')}\n\nThen: pnpm test, and commit.\n`,
    );
    return 0;
  } catch (error) {
    if (error instanceof ForkError) {
      console.error(`pnpm fork: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    options: {
      name: { type: 'string' },
      'app-id': { type: 'string' },
      scope: { type: 'string', multiple: true },
      'package-scope': { type: 'string' },
      'no-install': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
}

process.exitCode = main(process.argv.slice(2));
