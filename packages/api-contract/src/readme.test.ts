import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { ERROR_STATUS } from './errors.ts';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

/** The README's error table as `code -> status`, read from the rows under "## Errors". */
function documentedStatuses(): Record<string, number> {
  const section = readme.split('\n## Errors\n')[1]?.split('\n## ')[0] ?? '';
  const rows = section.split('\n').filter((line) => /^\| `/.test(line));
  return Object.fromEntries(
    rows.map((line) => {
      const [code = '', status = ''] = line.slice(1).split('|');
      return [code.trim().replaceAll('`', ''), Number(status.trim())];
    }),
  );
}

it('documents every error code with the status the server answers it with, and no other', () => {
  expect(documentedStatuses()).toEqual({ ...ERROR_STATUS });
});
