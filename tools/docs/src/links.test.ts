/**
 * The READMEs stay what a newcomer can read: the root one short, and figures only where the bench writes them.
 * Every link of the repository's Markdown resolves: a section link to a heading of its file, a relative link to a
 * file that exists, and a section of another file to one of its headings. A README edit that drops or renames
 * a section breaks the links that point at it, and this says which.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** Every Markdown file git knows, committed or new. */
const FILES = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.md'], {
  cwd: ROOT,
  encoding: 'utf8',
})
  .split('\n')
  .filter((file) => file !== '' && existsSync(join(ROOT, file)));

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

  it('finds every README', () => {
    expect(FILES).toEqual(
      expect.arrayContaining(['README.md', 'apps/server/README.md', 'packages/api-contract/README.md']),
    );
  });
});

describe('the READMEs', () => {
  it('keep the root one a first page: at most 12 KB, with the two commands, the tour, the layout and links', () => {
    const root = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(Buffer.byteLength(root)).toBeLessThanOrEqual(12 * 1024);
    expect(root).toContain('pnpm install && pnpm dev');
    expect(root).toContain('pnpm test:setup && pnpm test');
    const anchors = anchorsOf('README.md');
    for (const section of ['how-it-works', 'a-five-minute-tour-with-curl', 'layout', 'further-reading']) {
      expect([...anchors], section).toContain(section);
    }
  });

  it('give no measured figure outside the bench, which writes them (bench/results.md)', () => {
    const figure = /\d[\d,.]* ?(µs|ms of CPU)\b|\b\d+\.\d+x\b|\d+ req\/s/;
    const copies = FILES.filter((file) => !file.startsWith('bench/')).flatMap((file) =>
      prose(readFileSync(join(ROOT, file), 'utf8'))
        .split('\n')
        .filter((line) => figure.test(line))
        .map((line) => `${file}: ${line.trim()}`),
    );
    expect(copies).toEqual([]);
  });
});
