/**
 * Every link of the repository's Markdown resolves: a section link to a heading of its file, a relative link to a
 * file that exists, and a section of another file to one of its headings. A README edit that drops or renames
 * a section breaks the links that point at it, and this says which.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const FILES = [
  'README.md',
  'apps/server/README.md',
  'apps/tiki-emulator/README.md',
  'apps/miniapp/README.md',
  'bench/README.md',
];

/** GitHub's anchor for a heading: lower case, punctuation dropped, each space a hyphen. */
function anchorOf(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The text outside fenced code blocks, where a `#` starts a comment and not a heading. */
function prose(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, '');
}

function anchorsOf(file: string): Set<string> {
  const text = prose(readFileSync(join(ROOT, file), 'utf8'));
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((match) => anchorOf(match[1] ?? '')));
}

/** Links of the form [text](target), leaving out web addresses and mail. */
function linksOf(file: string): string[] {
  const text = prose(readFileSync(join(ROOT, file), 'utf8'));
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((match) => match[1] ?? '')
    .filter((target) => !/^[a-z]+:/i.test(target));
}

describe('the repository’s Markdown links', () => {
  it('names an anchor for each heading as GitHub does', () => {
    expect(anchorOf('The server’s API (for the mini app)')).toBe('the-servers-api-for-the-mini-app');
    expect(anchorOf('Debugging a signature mismatch (`invalid_signature`)')).toBe(
      'debugging-a-signature-mismatch-invalid_signature',
    );
    expect(anchorOf('Tini App × Tiki login starter')).toBe('tini-app--tiki-login-starter');
  });

  for (const file of FILES) {
    it(`${file}: every link resolves`, () => {
      const broken: string[] = [];
      const links = linksOf(file);
      for (const link of links) {
        const [path = '', section] = link.split('#');
        const target = path === '' ? file : relative(ROOT, join(ROOT, dirname(file), path));
        if (!existsSync(join(ROOT, target))) {
          broken.push(`${link}: no file ${target}`);
          continue;
        }
        if (section !== undefined && target.endsWith('.md') && !anchorsOf(target).has(section)) {
          broken.push(`${link}: no heading "${section}" in ${target}`);
        }
      }
      expect(broken).toEqual([]);
    });
  }

  it('the root README has the sections a newcomer needs', () => {
    const anchors = anchorsOf('README.md');
    for (const section of [
      'quick-start-a-fresh-machine-with-node-2019',
      'ports-your-own-keys-a-new-scope',
      'payments',
      'when-you-fork',
      'going-to-tiki-sandbox-or-production',
      'deploy',
      'debugging-a-signature-mismatch-invalid_signature',
      'the-mini-app',
      'performance-and-guarantees',
    ]) {
      expect([...anchors], section).toContain(section);
    }
  });
});
