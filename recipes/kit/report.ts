// What a recipe run leaves behind for people: CSV files (runs/summary.csv holds one row per run)
// and the closing console table.
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../../src/io/atomic.js';

export type Row = Record<string, string | number | null>;

function csvCell(value: string | number | null): string {
  const text = value === null ? '' : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(columns: readonly string[], rows: readonly Row[]): string {
  return [columns.map(csvCell).join(','), ...rows.map((r) => columns.map((c) => csvCell(r[c] ?? null)).join(','))].join('\n') + '\n';
}

/** The records of a CSV text: each record's cells (quotes undone) and its raw text, newline included. */
export function csvRecords(text: string): { cells: string[]; raw: string }[] {
  const records: { cells: string[]; raw: string }[] = [];
  let cells: string[] = [];
  let cell = '';
  let start = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') cell += text[++i];
      else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      cells.push(cell);
      cell = '';
    } else if (ch === '\n') {
      records.push({ cells: [...cells, cell.replace(/\r$/, '')], raw: text.slice(start, i + 1) });
      [cells, cell, start] = [[], '', i + 1];
    } else cell += ch;
  }
  if (start < text.length) records.push({ cells: [...cells, cell], raw: text.slice(start) + '\n' });
  return records;
}

/**
 * Puts `row` in the CSV at `path` (written whole, atomically), adding the header when the file is
 * new. Recipes share runs/summary.csv, so columns the header lacks are added at its end; older rows
 * keep their cells and simply end early. With `key`, a row whose key cells equal `row`'s is
 * replaced in place (one row per run however often it finishes); without, the row is appended.
 */
export async function appendCsvRow(path: string, columns: readonly string[], row: Row, key: readonly string[] = []): Promise<void> {
  const prior = await readFile(path, 'utf8').catch(() => '');
  if (!prior) return writeFileAtomic(path, toCsv(columns, [row]));
  const [head, ...rows] = csvRecords(prior);
  // Column names are identifiers, so the header needs no quoting.
  const header = head!.cells;
  const all = [...header, ...columns.filter((c) => !header.includes(c))];
  const line = all.map((c) => csvCell(row[c] ?? null)).join(',') + '\n';
  const same = (cells: string[]) => key.length > 0 && key.every((k) => cells[header.indexOf(k)] === String(row[k] ?? ''));
  const at = rows.findIndex((r) => same(r.cells));
  const body = at < 0 ? [...rows.map((r) => r.raw), line] : rows.flatMap((r, i) => (i === at ? [line] : same(r.cells) ? [] : [r.raw]));
  await writeFileAtomic(path, all.map(csvCell).join(',') + '\n' + body.join(''));
}

/** A plain-text table with aligned columns. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function percent(x: number | null): string {
  return x === null ? '—' : `${(100 * x).toFixed(1)}%`;
}
