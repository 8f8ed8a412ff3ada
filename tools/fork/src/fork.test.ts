import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  applyFork,
  CURRENT_NAMES,
  consoleChecklist,
  ForkError,
  planFork,
  SCOPES_FILE,
  slugOf,
} from './fork.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** The fixtures are written with CURRENT_NAMES, not literals: a fork renames this file too, and must pass it. */
const { packageScope: OLD_SCOPE, rootPackage: OLD_ROOT, appId: OLD_APP_ID, title: OLD_TITLE } = CURRENT_NAMES;

const plan = (over: Partial<Parameters<typeof planFork>[0]> = {}) =>
  planFork({ name: 'Quán Phở Số 1', appId: 'vn.example.pho', scopes: ['user_profile', 'offline'], ...over });

describe('planFork', () => {
  it('derives an npm scope from a Vietnamese name', () => {
    expect(slugOf('Cửa hàng Tini')).toBe('cua-hang-tini');
    expect(slugOf('  Đồ ăn Đà Nẵng!  ')).toBe('do-an-da-nang');
    expect(plan()).toEqual({
      name: 'Quán Phở Số 1',
      appId: 'vn.example.pho',
      scopes: ['user_profile', 'offline'],
      packageScope: 'quan-pho-so-1',
    });
  });

  it('orders and dedupes scopes as the starter asks for them', () => {
    expect(plan({ scopes: ['offline', 'user_profile', 'offline'] }).scopes).toEqual([
      'user_profile',
      'offline',
    ]);
    expect(plan({ scopes: ['user_profile'] }).scopes).toEqual(['user_profile']);
  });

  it.each([
    [{ name: 'Shop "A"' }, '--name "Shop "A"": 1-30 letters'],
    [{ name: '<b>Shop</b>' }, '--name'],
    [{ name: 'x'.repeat(31) }, '--name'],
    [{ appId: 'a b' }, '--app-id "a b"'],
    [{ scopes: [] }, 'give at least --scope user_profile'],
    [{ scopes: ['offline'] }, '--scope user_profile is required'],
    [{ scopes: ['user_profile', 'order_history'] }, 'unknown scope order_history'],
    [{ name: '東京' }, 'gives no usable package scope'],
    [{ packageScope: '@Shop' }, '--package-scope "@Shop"'],
  ])('refuses %j with a clear error', (over, message) => {
    expect(() => plan(over)).toThrow(ForkError);
    expect(() => plan(over)).toThrow(message);
  });

  it('takes a package scope for a name without Latin letters', () => {
    expect(plan({ name: '東京', packageScope: 'tokyo-shop' }).packageScope).toBe('tokyo-shop');
  });
});

describe('applyFork on a small git work tree', () => {
  function tree(files: Record<string, string>): string {
    const root = mkdtempSync(path.join(tmpdir(), 'fork-unit-'));
    dirs.push(root);
    for (const [file, text] of Object.entries(files)) {
      execFileSync('mkdir', ['-p', path.dirname(path.join(root, file))]);
      writeFileSync(path.join(root, file), text);
    }
    execFileSync('git', ['init', '-q'], { cwd: root });
    writeFileSync(path.join(root, '.gitignore'), 'ignored/\n.env\n');
    return root;
  }

  it('renames every reference, sets the scopes, and writes the .env files with a fresh key', () => {
    const root = tree({
      'package.json': `{ "name": "${OLD_ROOT}", "scripts": { "x": "pnpm --filter @${OLD_SCOPE}/server x" } }`,
      'apps/miniapp/package.json': `{ "tiki": { "appIdentifier": "${OLD_APP_ID}" } }`,
      'apps/miniapp/src/app.json': `{ "window": { "defaultTitle": "${OLD_TITLE}" } }`,
      'apps/tiki-emulator/src/state/seed.ts': `name: '${OLD_TITLE.toLowerCase()} (development)', id: '${OLD_SCOPE}-dev'`,
      [SCOPES_FILE]:
        `import { TIKI_SCOPES } from '@${OLD_SCOPE}/tiki-platform/scopes';\n` +
        'export const LOGIN_SCOPES: readonly KnownScope[] = [TIKI_SCOPES.userProfile, TIKI_SCOPES.offline];\n',
      'ignored/file.txt': OLD_SCOPE,
      'image.bin': `${OLD_SCOPE}\0binary`,
      'apps/server/.keep': '',
    });
    const result = applyFork(root, plan({ scopes: ['user_profile'] }), new Date('2026-12-02T10:00:00Z'));
    const read = (file: string) => readFileSync(path.join(root, file), 'utf8');

    expect(read('package.json')).toBe(
      '{ "name": "quan-pho-so-1", "scripts": { "x": "pnpm --filter @quan-pho-so-1/server x" } }',
    );
    expect(read('apps/miniapp/package.json')).toContain('"appIdentifier": "vn.example.pho"');
    expect(read('apps/miniapp/src/app.json')).toContain('"defaultTitle": "Quán Phở Số 1"');
    expect(read('apps/tiki-emulator/src/state/seed.ts')).toBe(
      "name: 'Quán Phở Số 1 (development)', id: 'quan-pho-so-1-dev'",
    );
    expect(read(SCOPES_FILE)).toContain(
      'export const LOGIN_SCOPES: readonly KnownScope[] = [TIKI_SCOPES.userProfile];',
    );
    expect(read(SCOPES_FILE)).toContain("from '@quan-pho-so-1/tiki-platform/scopes'");
    // Ignored and binary files are left alone.
    expect(read('ignored/file.txt')).toBe(OLD_SCOPE);
    expect(read('image.bin')).toBe(`${OLD_SCOPE}\0binary`);
    expect(result.changed.sort()).toEqual(
      [
        'apps/miniapp/package.json',
        'apps/miniapp/src/app.json',
        'apps/tiki-emulator/src/state/seed.ts',
        SCOPES_FILE,
        'package.json',
      ].sort(),
    );

    expect(result.written).toEqual(['.env', 'apps/server/.env']);
    expect(read('.env')).toContain('TIKI_EMULATOR_ALLOWED_SCOPES=user_profile\n');
    const serverEnv = read('apps/server/.env');
    const key = /^TOKEN_ENCRYPTION_KEYS=k20261202:(.+)$/m.exec(serverEnv)?.[1] ?? '';
    expect(Buffer.from(key, 'base64')).toHaveLength(32);
    expect(serverEnv).toContain('TOKEN_ENCRYPTION_KEY_ID=k20261202\n');
    expect(statSync(path.join(root, 'apps/server/.env')).mode & 0o777).toBe(0o600);
  });

  it('keeps a .env that exists and says what to add', () => {
    const root = tree({
      [SCOPES_FILE]: 'export const LOGIN_SCOPES: readonly KnownScope[] = [];\n',
      'apps/server/.keep': '',
    });
    writeFileSync(path.join(root, '.env'), 'PORT=3300\n');
    const result = applyFork(root, plan());
    expect(readFileSync(path.join(root, '.env'), 'utf8')).toBe('PORT=3300\n');
    expect(result.kept).toEqual([
      { file: '.env', lines: ['TIKI_EMULATOR_ALLOWED_SCOPES=user_profile,offline'] },
    ]);
  });

  it('refuses a folder that is not a git work tree', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'fork-nogit-'));
    dirs.push(root);
    expect(() => applyFork(root, plan())).toThrow('is not a git work tree');
  });

  it('prints the Tini Console checklist with the fork’s own values', () => {
    const lines = consoleChecklist(plan()).join('\n');
    expect(lines).toContain('tiki.appIdentifier = vn.example.pho');
    expect(lines).toContain('allow user_profile, offline');
    expect(lines).toContain('pnpm --filter @quan-pho-so-1/miniapp build');
    expect(lines).toContain('TIKI_CLIENT_ID and TIKI_CLIENT_SECRET');
  });
});
