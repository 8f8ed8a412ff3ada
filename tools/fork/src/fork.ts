/**
 * `pnpm fork`: makes a clone of this starter someone's own app. It renames by plain text replacement over every
 * file git knows (tracked, or new and not ignored), so every reference moves with its definition: package scope
 * and imports, `--filter` commands, lockfile, development client id, storage key, titles, app id. Then it sets
 * the scopes the mini app asks for and writes the development .env files.
 *
 * The names below are this repository's current ones. They are replaced like every other occurrence, so after a
 * fork they name the fork, and the tool keeps working on it.
 */

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { KNOWN_TIKI_SCOPES, type KnownScope, TIKI_SCOPES } from '@tini-starter/tiki-platform/scopes';

export const CURRENT_NAMES = {
  /** `@tini-starter/*`, and the development client id, storage key and log prefix built on it. */
  packageScope: 'tini-starter',
  /** The root package.json's name. */
  rootPackage: 'tini-tiki-starter',
  /** `tiki.appIdentifier` in apps/miniapp/package.json: Tini Studio's app id. */
  appId: 'vn.tiki.tini.starter',
  /** The mini app's title bar and heading (and, with "(development)", the emulator's app). */
  title: 'Tini Starter',
} as const;

/** Where the mini app's requested scopes are written (`LOGIN_SCOPES`). */
export const SCOPES_FILE = 'apps/miniapp/src/auth/scopes.ts';
const LOGIN_SCOPES_LINE = /export const LOGIN_SCOPES: readonly KnownScope\[\] = \[[^\]]*\];/;

/** The login reads the Open API profile, which needs this scope (tiki-platform.md, "Open API"). */
export const REQUIRED_SCOPE: KnownScope = TIKI_SCOPES.userProfile;

export interface ForkOptions {
  /** The app's name, as users read it (Vietnamese welcome): title bar and heading. */
  name: string;
  /** The app id Tini Console gave the app. */
  appId: string;
  /** The scopes the mini app asks for; each must be one this starter knows. */
  scopes: string[];
  /** The npm scope of the workspace packages, without "@"; default: the name, lowercased, without diacritics. */
  packageScope?: string;
}

export interface ForkPlan {
  name: string;
  appId: string;
  scopes: KnownScope[];
  packageScope: string;
}

export class ForkError extends Error {
  override name = 'ForkError';
}

/** 'Cửa hàng Tini' -> 'cua-hang-tini': what npm accepts as a scope, readable. */
export function slugOf(name: string): string {
  return name
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
}

/**
 * The name goes into JSON, TXML and TypeScript strings unescaped, so it is limited to what needs no escaping in
 * any of them: letters (any script, with diacritics), digits, spaces and . , ! ? ( ) + -. At most 30 characters:
 * a title bar shows little more (an assumption; Tiki documents no limit).
 */
const NAME = /^[\p{L}\p{N}][\p{L}\p{M}\p{N} .,!?()+-]{0,29}$/u;
/** Tiki documents no format for app ids; this accepts the reverse-domain ids Tini Console shows, and more. */
const APP_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{2,99}$/;
/** npm: lowercase, URL-safe, not starting with . or _. */
const PACKAGE_SCOPE = /^[a-z0-9][a-z0-9-]{1,39}$/;

export function planFork(options: ForkOptions): ForkPlan {
  const name = options.name.normalize('NFC').trim();
  if (!NAME.test(name)) {
    throw new ForkError(
      `--name "${options.name}": 1-30 letters, digits, spaces or . , ! ? ( ) + -, starting with a letter or digit`,
    );
  }
  if (!APP_ID.test(options.appId)) {
    throw new ForkError(
      `--app-id "${options.appId}": the app id from Tini Console (letters, digits, . _ -; 3-100 characters)`,
    );
  }
  const packageScope = options.packageScope ?? slugOf(name);
  if (!PACKAGE_SCOPE.test(packageScope)) {
    throw new ForkError(
      options.packageScope === undefined
        ? `the name "${name}" gives no usable package scope ("${packageScope}"); pass --package-scope`
        : `--package-scope "${packageScope}": 2-40 lowercase letters, digits or -, without "@"`,
    );
  }
  if (options.scopes.length === 0) throw new ForkError(`give at least --scope ${REQUIRED_SCOPE}`);
  const unknown = options.scopes.filter((scope) => !(KNOWN_TIKI_SCOPES as readonly string[]).includes(scope));
  if (unknown.length > 0) {
    throw new ForkError(
      `unknown scope ${unknown.join(', ')}: this starter knows ${KNOWN_TIKI_SCOPES.join(', ')}. A new scope needs ` +
        'its name in packages/tiki-platform/src/facts/scopes.ts and a Vietnamese label (README, "A new scope"); ' +
        'fork first, then add it.',
    );
  }
  const scopes = KNOWN_TIKI_SCOPES.filter((scope) => options.scopes.includes(scope));
  if (!scopes.includes(REQUIRED_SCOPE)) {
    throw new ForkError(`--scope ${REQUIRED_SCOPE} is required: the sign-in shows the user's Tiki profile`);
  }
  return { name, appId: options.appId, scopes, packageScope };
}

/** Each old text and what replaces it, longest first so that no replacement eats part of another's text. */
export function replacementsOf(plan: ForkPlan): [RegExp, string][] {
  const literal = (text: string) => new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'g');
  return [
    [literal(CURRENT_NAMES.rootPackage), plan.packageScope],
    [literal(CURRENT_NAMES.appId), plan.appId],
    [literal(CURRENT_NAMES.packageScope), plan.packageScope],
    // "Tini Starter" in titles, "Tini starter (development)" for the emulator's app: any case.
    [new RegExp(literal(CURRENT_NAMES.title).source, 'gi'), plan.name],
  ];
}

/** Every text file git knows of in `root` (tracked, or new and not ignored), relative paths. */
export function filesOf(root: string): string[] {
  let listing: string;
  try {
    listing = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch {
    throw new ForkError(`${root} is not a git work tree: run pnpm fork in your clone of the starter`);
  }
  return listing.split('\0').filter((file) => file !== '' && existsSync(path.join(root, file)));
}

function isText(bytes: Buffer): boolean {
  return !bytes.subarray(0, 8000).includes(0);
}

export interface ForkResult {
  plan: ForkPlan;
  /** Files whose text changed. */
  changed: string[];
  /** .env files written; those that existed are kept and listed in `kept`. */
  written: string[];
  kept: { file: string; lines: string[] }[];
}

/** Applies the plan to the clone at `root`. `now` dates the encryption key's id. */
export function applyFork(root: string, plan: ForkPlan, now = new Date()): ForkResult {
  const replacements = replacementsOf(plan);
  const changed: string[] = [];
  for (const file of filesOf(root)) {
    const full = path.join(root, file);
    const bytes = readFileSync(full);
    if (!isText(bytes)) continue;
    const before = bytes.toString('utf8');
    let after = before;
    for (const [pattern, replacement] of replacements) after = after.replace(pattern, () => replacement);
    if (file === SCOPES_FILE) after = withLoginScopes(after, plan.scopes);
    if (after !== before) {
      writeFileSync(full, after);
      changed.push(file);
    }
  }
  const { written, kept } = writeEnvFiles(root, plan, now);
  return { plan, changed, written, kept };
}

function withLoginScopes(source: string, scopes: readonly KnownScope[]): string {
  if (!LOGIN_SCOPES_LINE.test(source)) {
    throw new ForkError(
      `${SCOPES_FILE} no longer declares LOGIN_SCOPES on one line: set the scopes there by hand`,
    );
  }
  const keyOf = (scope: KnownScope) => Object.entries(TIKI_SCOPES).find(([, value]) => value === scope)?.[0];
  const list = scopes.map((scope) => `TIKI_SCOPES.${keyOf(scope)}`).join(', ');
  return source.replace(
    LOGIN_SCOPES_LINE,
    () => `export const LOGIN_SCOPES: readonly KnownScope[] = [${list}];`,
  );
}

function writeEnvFiles(root: string, plan: ForkPlan, now: Date) {
  const day = now.toISOString().slice(0, 10);
  const keyId = `k${day.replaceAll('-', '')}`;
  const files: { file: string; lines: string[] }[] = [
    {
      file: '.env',
      lines: [
        `# Written by pnpm fork for "${plan.name}" on ${day}; every variable is in .env.example.`,
        '# The scopes the emulator lets the development app request: the ones the mini app asks for.',
        `TIKI_EMULATOR_ALLOWED_SCOPES=${plan.scopes.join(',')}`,
      ],
    },
    {
      file: 'apps/server/.env',
      lines: [
        `# Written by pnpm fork on ${day}: this machine's own key for Tiki's tokens at rest (development only;`,
        '# production gets another, never this one). Every variable is in apps/server/.env.example.',
        `TOKEN_ENCRYPTION_KEYS=${keyId}:${randomBytes(32).toString('base64')}`,
        `TOKEN_ENCRYPTION_KEY_ID=${keyId}`,
      ],
    },
  ];
  const written: string[] = [];
  const kept: { file: string; lines: string[] }[] = [];
  for (const { file, lines } of files) {
    const full = path.join(root, file);
    if (existsSync(full)) kept.push({ file, lines: lines.filter((line) => !line.startsWith('#')) });
    else {
      writeFileSync(full, `${lines.join('\n')}\n`, { mode: 0o600 });
      written.push(file);
    }
  }
  return { written, kept };
}

/** What to do in Tini Console, in order, for this fork. */
export function consoleChecklist(plan: ForkPlan): string[] {
  return [
    `1. App id: apps/miniapp/package.json says tiki.appIdentifier = ${plan.appId}. It must be your app's id in Tini Console (Tini Studio's my.getAuthCode returns codes only for it).`,
    `2. Scopes: allow ${plan.scopes.join(', ')} for the app in Tini Console; the mini app asks for exactly these.`,
    "3. Server domain: register the HTTPS domain of your server in the app's allowed domains, and build the mini app with MINIAPP_API_BASE_URL=https://<that domain> (pnpm --filter @" +
      `${plan.packageScope}/miniapp build).`,
    "4. Keys: put the client key and secret Tini Console shows (sandbox and production differ) in the server's environment as TIKI_CLIENT_ID and TIKI_CLIENT_SECRET. Never commit them.",
    '5. Production encryption key: generate one for TOKEN_ENCRYPTION_KEYS (see apps/server/.env.example); the one in apps/server/.env is for this machine only.',
  ];
}
