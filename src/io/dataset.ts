// Datasets as records: JSONL, JSON (an array of objects), Parquet (hyparquet) or Arrow IPC files
// (apache-arrow), chosen by extension, with errors that name the file, the row and the field.
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { z } from 'zod';
import { ConfigError } from '../errors.js';

export type DataRecord = Record<string, unknown>;

const RecordSchema = z.record(z.string(), z.unknown());

function parseJsonl(text: string, file: string): unknown[] {
  return text.split('\n').flatMap((line, i) => {
    if (!line.trim()) return [];
    try {
      return [JSON.parse(line) as unknown];
    } catch (error) {
      throw new ConfigError(`${file}:${i + 1}: not valid JSON (${(error as Error).message})`);
    }
  });
}

async function readRows(file: string): Promise<unknown[]> {
  const ext = extname(file).toLowerCase();
  if (ext === '.jsonl') return parseJsonl(await readFile(file, 'utf8'), file);
  if (ext === '.json') {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as unknown;
    if (!Array.isArray(parsed)) throw new ConfigError(`${file}: expected a JSON array of records`);
    return parsed;
  }
  if (ext === '.parquet') return parquetReadObjects({ file: await asyncBufferFromFile(file) });
  if (ext === '.arrow' || ext === '.feather' || ext === '.ipc') {
    return tableFromIPC(await readFile(file)).toArray().map((row: { toJSON(): unknown }) => row.toJSON());
  }
  throw new ConfigError(`${file}: unknown data format '${ext}' (use .jsonl, .json, .parquet or .arrow)`);
}

/** Every record of `file`; a row that is not an object is an error naming its line. */
export async function readRecords(file: string): Promise<DataRecord[]> {
  const rows = await readRows(file).catch((error: unknown) => {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`${file}: cannot read data (${(error as Error).message})`);
  });
  return rows.map((row, i) => {
    const parsed = RecordSchema.safeParse(row);
    if (!parsed.success) throw new ConfigError(`${file}: row ${i + 1} is not an object`);
    return parsed.data;
  });
}

/**
 * Records with string `fields`; `aliases` maps a field to other names accepted for it (the first
 * present wins). A row missing one is an error naming the file, the row and the field.
 */
export async function readTextRecords<F extends string>(file: string, fields: readonly F[], aliases: Partial<Record<F, readonly string[]>> = {}): Promise<(DataRecord & Record<F, string>)[]> {
  return (await readRecords(file)).map((row, i) => {
    const out: DataRecord = { ...row };
    for (const field of fields) {
      const name = [field, ...(aliases[field] ?? [])].find((n) => typeof row[n] === 'string');
      if (name === undefined) throw new ConfigError(`${file}: row ${i + 1} has no string field '${field}'${aliases[field] ? ` (or ${aliases[field].join(', ')})` : ''}`);
      out[field] = row[name];
    }
    return out as DataRecord & Record<F, string>;
  });
}
