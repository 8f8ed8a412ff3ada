import { describe, expect, it } from 'vitest';
import { renderTable } from './markdown.ts';

describe('renderTable', () => {
  it('writes a header, an alignment row and one line per row', () => {
    expect(
      renderTable(
        ['what', 'ratio'],
        [
          ['sign', '0.95'],
          ['verify', '0.81'],
        ],
      ),
    ).toBe('| what | ratio |\n| --- | --- |\n| sign | 0.95 |\n| verify | 0.81 |');
  });

  it('escapes pipes and flattens newlines so a cell cannot break the table', () => {
    expect(renderTable(['a'], [['x|y\nz']])).toBe('| a |\n| --- |\n| x\\|y z |');
  });

  it('refuses a row with the wrong number of cells', () => {
    expect(() => renderTable(['a', 'b'], [['only one']])).toThrow(RangeError);
  });
});
