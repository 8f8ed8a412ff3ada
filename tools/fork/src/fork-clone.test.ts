/**
 * The fork as a user runs it: a copy of this repository (every file git knows, committed or not) becomes a git
 * clone, is forked with `pnpm fork` (nothing installed first, as on a fresh clone), and must then pass `pnpm test`
 * and hold no trace of the old names.
 * Slow (a whole install and test run of the copy): turbo runs it after every other package's tests.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { CURRENT_NAMES, filesOf } from './fork.ts';

const REPO = path.resolve(import.meta.dirname, '../../..');

/**
 * The README's example first. A repository already forked under that name (a fork running its own tests) takes the
 * other: forking to the names it has would leave nothing to check.
 */
const TARGETS = [
  { name: 'Cửa hàng Tini', appId: 'vn.example.cuahang', packageScope: 'cua-hang-tini' },
  { name: 'Quán Phở Số 1', appId: 'vn.example.pho', packageScope: 'quan-pho-so-1' },
];
const target = TARGETS.find(
  (t) =>
    t.name !== CURRENT_NAMES.title &&
    t.appId !== CURRENT_NAMES.appId &&
    t.packageScope !== CURRENT_NAMES.packageScope,
);
/** The one file that may name the targets: this one, which a second fork inherits. */
const THIS_FILE = path.relative(REPO, import.meta.filename);
const copy = mkdtempSync(path.join(tmpdir(), 'fork-clone-'));
afterAll(() => rmSync(copy, { recursive: true, force: true }));

/** A clean shell's environment: nothing of the outer turbo, vitest or pnpm run leaks into the copy's. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(TURBO_|VITEST|npm_|NODE_ENV$|FORK_CLONE_CHECK$)/.test(key)) env[key] = value;
  }
  return { ...env, ...extra };
}

function run(command: string, args: string[], extra: Record<string, string> = {}): string {
  const result = spawnSync(command, args, {
    cwd: copy,
    env: cleanEnv(extra),
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} exited ${result.status ?? result.signal}\n${result.stdout.slice(-6000)}\n${result.stderr.slice(-4000)}`,
    );
  }
  return result.stdout;
}

it('forks a copy of this repository that passes pnpm test and holds no trace of the old names', () => {
  const files = filesOf(REPO);
  execFileSync('tar', ['--null', '-T', '-', '-cf', path.join(copy, '.copy.tar')], {
    cwd: REPO,
    input: `${files.join('\0')}\0`,
  });
  run('tar', ['-xf', '.copy.tar']);
  rmSync(path.join(copy, '.copy.tar'));
  run('git', ['init', '-q']);
  run('git', ['add', '-A']);
  run('git', ['-c', 'user.name=fork test', '-c', 'user.email=fork@example.com', 'commit', '-qm', 'starter']);
  if (target === undefined) throw new Error('every fork target is one of the current names');

  // No install first: `pnpm fork` on a fresh clone installs what it needs itself.
  const out = run('pnpm', [
    'fork',
    '--name',
    target.name,
    '--app-id',
    target.appId,
    '--scope',
    'user_profile',
    '--scope',
    'offline',
  ]);
  expect(out).toContain(
    `Forked as "${target.name}": packages @${target.packageScope}/*, app id ${target.appId}`,
  );
  expect(out).toContain('In Tini Console:\n1. App id:');
  expect(existsSync(path.join(copy, `node_modules/@${target.packageScope}/tiki-platform`))).toBe(true);

  const old = new RegExp(
    Object.values(CURRENT_NAMES)
      .map((name) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('|'),
    'i',
  );
  const traces = [...filesOf(copy), '.env', 'apps/server/.env'].filter(
    (file) => file !== THIS_FILE && old.test(readFileSync(path.join(copy, file), 'utf8')),
  );
  expect(traces).toEqual([]);
  expect(readFileSync(path.join(copy, 'apps/miniapp/package.json'), 'utf8')).toContain(
    `"appIdentifier": "${target.appId}"`,
  );

  // The whole check, as the README runs it; this file is left out inside the copy (see vitest.config.ts).
  run('pnpm', ['test'], { FORK_CLONE_CHECK: '1' });
});
