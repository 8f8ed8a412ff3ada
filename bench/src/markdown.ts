/** A Markdown table: header row, alignment row, body; pipes inside cells are escaped. */
export function renderTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');
  const line = (cells: readonly string[]) => `| ${cells.map(cell).join(' | ')} |`;
  for (const row of rows) {
    if (row.length !== header.length) {
      throw new RangeError(`bench: a row has ${row.length} cells, the header ${header.length}`);
    }
  }
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
