import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

/** The rows of the "Documented or assumed" table: behaviour, status, source or reason. */
function provenanceRows(): { behaviour: string; status: string; source: string }[] {
  const section = readme.split('## Documented or assumed')[1]?.split('\n## ')[0] ?? '';
  return section
    .split('\n')
    .filter((line) => line.startsWith('| ') && !line.startsWith('| behaviour') && !line.startsWith('| ---'))
    .map((line) => {
      const [behaviour = '', status = '', source = ''] = line
        .slice(1, -1)
        .split(' | ')
        .map((cell) => cell.trim());
      return { behaviour, status, source };
    });
}

describe('the README says what is documented and what is assumed', () => {
  it('marks every row documented (naming the doc), inferred (naming the sample) or assumed (saying why)', () => {
    const rows = provenanceRows();
    expect(rows.length).toBeGreaterThan(10);
    for (const row of rows) {
      expect(['documented', 'inferred', 'assumed'], row.behaviour).toContain(row.status);
      if (row.status === 'documented') expect(row.source, row.behaviour).toMatch(/docs\/|tiki-platform\.md/);
      if (row.status === 'inferred') expect(row.source, row.behaviour).toMatch(/sample/);
      expect(row.source.length, row.behaviour).toBeGreaterThan(10);
    }
  });

  it.each([
    ['auth code', 'assumed'],
    ['code used twice', 'assumed'],
    ['rotation', 'assumed'],
    ['`invalid_client`', 'assumed'],
    ['Open API 401/403 bodies', 'assumed'],
    ["profile's fields", 'assumed'],
    ['GraphQL signature rule', 'inferred'],
    ['signature window', 'assumed'],
    ['cancelled consent', 'assumed'],
    ['IPN signed like a POST to Tiki', 'assumed'],
    ['IPN retries after 1 min', 'documented'],
    ['giving up after the 7th retry', 'assumed'],
    ['no retry after a 4xx', 'assumed'],
    ['the same body and `message_id` on each retry', 'assumed'],
    ['Tiki canceling a paid order', 'assumed'],
    ['no IPN when the app cancels', 'assumed'],
    ['unknown ids', 'assumed'],
    ['every refusal reason', 'assumed'],
    ['`grand_total`', 'assumed'],
    ["complete's preconditions", 'assumed'],
    ['a repeated complete or cancel', 'assumed'],
    ['the 10,000,000 VND cap', 'documented'],
    ['refunding an online payment and only that', 'documented'],
    ['cash on delivery only when the app asks', 'documented'],
    ['`tiki_order_code` only once paid online', 'assumed'],
    ['Tiki confirming cash on delivery at once', 'assumed'],
  ])('has a row for “%s”, marked %s', (behaviour, status) => {
    const row = provenanceRows().find((r) => r.behaviour.includes(behaviour));
    expect(row?.status).toBe(status);
  });
});
