// What a recipe run leaves behind for people: CSV files (runs/summary.csv gains one row per run)
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

/**
 * Appends `row` to the CSV at `path` (written whole, atomically), adding the header when the file is
 * new. Recipes share runs/summary.csv, so columns the header lacks are added at its end; older rows
 * keep their cells and simply end early.
 */
export async function appendCsvRow(path: string, columns: readonly string[], row: Row): Promise<void> {
  const prior = await readFile(path, 'utf8').catch(() => '');
  if (!prior) return writeFileAtomic(path, toCsv(columns, [row]));
  const newline = prior.indexOf('\n');
  // Column names are identifiers, so the header splits on commas.
  const header = prior.slice(0, newline).split(',');
  const all = [...header, ...columns.filter((c) => !header.includes(c))];
  const line = all.map((c) => csvCell(row[c] ?? null)).join(',') + '\n';
  await writeFileAtomic(path, all.map(csvCell).join(',') + prior.slice(newline) + line);
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
