// Datasets as records: JSONL (streamed line by line), JSON (an array of objects), Parquet
// (hyparquet) or Arrow IPC files (apache-arrow), chosen by extension, with errors that name the
// file, the line (JSONL) or record number, and the field. Every record is bounded in size at
// read, before anything tokenizes it.
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { readArrowRows, readParquetRows } from './dataset-columnar.js';
import { readJsonlLines } from './jsonl.js';

export type DataRecord = Record<string, unknown>;

/** Bytes one record may take (its JSONL line, or its JSON text in other formats): GSM8K's longest is ~2 KB. */
export const MAX_RECORD_BYTES = 1 << 20;

export interface ReadRecordsOptions {
  readonly maxRecordBytes?: number;
}

interface Located {
  /** "file:line" for JSONL, "file: record n" otherwise: where a person finds the record. */
  readonly where: string;
  readonly value: unknown;
}

const RecordSchema = z.record(z.string(), z.unknown());

async function readJsonl(file: string, maxBytes: number): Promise<Located[]> {
  const rows: Located[] = [];
  for await (const { line, value } of readJsonlLines(file, maxBytes)) rows.push({ where: `${file}:${line}`, value });
  return rows;
}

async function readWhole(file: string, ext: string): Promise<unknown[]> {
  if (ext === '.json') {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(await readFile(file));
    const parsed = JSON.parse(text) as unknown;
    if (!Array.isArray(parsed)) throw new ConfigError(`${file}: expected a JSON array of records`);
    return parsed;
  }
  if (ext === '.parquet') return readParquetRows(file);
  if (ext === '.arrow' || ext === '.feather' || ext === '.ipc') return readArrowRows(file);
  throw new ConfigError(`${file}: unknown data format '${ext}' (use .jsonl, .json, .parquet or .arrow)`);
}

// Formats read whole are bounded record by record after the read, still before any tokenizing.
function bounded(file: string, rows: unknown[], maxBytes: number): Located[] {
  return rows.map((value, i) => {
    const where = `${file}: record ${i + 1}`;
    const bytes = new TextEncoder().encode(JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? '').length;
    if (bytes > maxBytes) throw new ConfigError(`${where} is ${bytes} bytes, over the ${maxBytes}-byte bound on one record; shorten it or drop it from the file`);
    return { where, value };
  });
}

async function readLocated(file: string, maxBytes: number): Promise<Located[]> {
  const ext = extname(file).toLowerCase();
  try {
    return ext === '.jsonl' ? await readJsonl(file, maxBytes) : bounded(file, await readWhole(file, ext), maxBytes);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`${file}: cannot read data (${(error as Error).message})`);
  }
}

/** Every record of `file` with where it is ("file:line" for JSONL, "file: record n" otherwise), for readers whose own errors name the row. */
export async function readLocatedRecords(file: string, options: ReadRecordsOptions = {}): Promise<{ where: string; record: DataRecord }[]> {
  return (await readLocated(file, options.maxRecordBytes ?? MAX_RECORD_BYTES)).map(({ where, value }) => {
    const parsed = RecordSchema.safeParse(value);
    if (!parsed.success) throw new ConfigError(`${where}: the record is not a JSON object`);
    return { where, record: parsed.data };
  });
}

/** Every record of `file`; a row that is not an object, or is over the size bound, is an error naming it. */
export async function readRecords(file: string, options: ReadRecordsOptions = {}): Promise<DataRecord[]> {
  return (await readLocatedRecords(file, options)).map((r) => r.record);
}

/**
 * Records with string `fields`; `aliases` maps a field to other names accepted for it (the first
 * present wins). A row missing one is an error naming the file, the line or record, and the field.
 */
export async function readTextRecords<F extends string>(
  file: string,
  fields: readonly F[],
  aliases: Partial<Record<F, readonly string[]>> = {},
  options: ReadRecordsOptions = {},
): Promise<(DataRecord & Record<F, string>)[]> {
  return (await readLocatedRecords(file, options)).map(({ where, record }) => {
    const out: DataRecord = { ...record };
    for (const field of fields) {
      const name = [field, ...(aliases[field] ?? [])].find((n) => typeof record[n] === 'string');
      if (name === undefined) throw new ConfigError(`${where}: the record has no string field '${field}'${aliases[field] ? ` (or ${aliases[field].join(', ')})` : ''}`);
      out[field] = record[name];
    }
    return out as DataRecord & Record<F, string>;
  });
}
