// Parquet (hyparquet) and Arrow IPC (apache-arrow) files as rows, with every string strictly
// UTF-8. Both libraries decode strings leniently (invalid bytes become U+FFFD), where pyarrow's
// to_pylist and Python's str refuse them; so the bytes are checked here, and a file whose string
// column holds invalid UTF-8 is an error naming the file (and, for Arrow, the column). Arrow's
// dictionary-encoded strings (what tableFromArrays writes) are checked through their indices.
// Parquet columns typed JSON are decoded as strictly: UTF-8, then JSON.parse, and a value that
// fails either is an error naming the file, the column and the row.
import { readFile } from 'node:fs/promises';
import { type Data, DataType, tableFromIPC } from 'apache-arrow';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { ConfigError } from '../errors.js';
import { checkArrowBounds } from './arrow-bounds.js';

const strict = new TextDecoder('utf-8', { fatal: true });

function decodeStrict(bytes: Uint8Array, where: string): string {
  try {
    return strict.decode(bytes);
  } catch {
    throw new ConfigError(`${where} holds bytes that are not valid UTF-8`);
  }
}

/** A JSON column value that did not decode: hyparquet's parsers see bytes only, so the row and column are found after the read. */
class InvalidJson {
  constructor(readonly reason: string) {}
}

function jsonFromBytes(bytes: Uint8Array | undefined): unknown {
  if (bytes === undefined) return bytes;
  let text: string;
  try {
    text = strict.decode(bytes);
  } catch {
    return new InvalidJson('bytes that are not valid UTF-8');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    return new InvalidJson(`text that is not valid JSON (${(error as Error).message})`);
  }
}

/** The first InvalidJson in `value`, which may sit inside a struct or list column. */
function findInvalid(value: unknown): InvalidJson | undefined {
  if (value instanceof InvalidJson) return value;
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value) || value instanceof Date) return undefined;
  for (const v of Object.values(value)) {
    const found = findInvalid(v);
    if (found) return found;
  }
  return undefined;
}

function throwInvalidJson(file: string, rows: readonly Record<string, unknown>[]): never {
  for (const [i, row] of rows.entries()) {
    for (const [column, value] of Object.entries(row)) {
      const found = findInvalid(value);
      if (found) throw new ConfigError(`${file}: column '${column}', row ${i + 1}: a JSON value holds ${found.reason}`);
    }
  }
  throw new ConfigError(`${file}: a JSON column holds a value that does not decode`);
}

/** The footer's statistics are decoded leniently (pyarrow does not check them); only row strings and JSON values are checked. */
export async function readParquetRows(file: string): Promise<unknown[]> {
  const bytes = await readFile(file);
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const metadata = parquetMetadata(buffer);
  const stringFromBytes = (value: Uint8Array | undefined) => (value === undefined ? value : decodeStrict(value, `${file}: a string column`));
  let invalid = false;
  const json = (value: Uint8Array | undefined) => {
    const parsed = jsonFromBytes(value);
    invalid ||= parsed instanceof InvalidJson;
    return parsed;
  };
  const rows = await parquetReadObjects({ file: buffer, metadata, parsers: { stringFromBytes, jsonFromBytes: json } });
  if (invalid) throwInvalidJson(file, rows);
  return rows;
}

export async function readArrowRows(file: string): Promise<unknown[]> {
  const bytes = await readFile(file);
  checkArrowBounds(bytes, file);
  const table = tableFromIPC(bytes);
  for (const field of table.schema.fields) {
    for (const data of table.getChild(field.name)!.data) checkStrings(data, `${file}: column '${field.name}'`);
  }
  return table.toArray().map((row: { toJSON(): unknown }) => row.toJSON());
}

/**
 * Every string a row can reach decodes strictly: a (Large)Utf8 value is values[offsets[i]..
 * offsets[i+1]); a dictionary column (what tableFromArrays makes of strings) reaches the entries
 * its indices name; struct and list columns reach their children.
 */
function checkStrings(data: Data, where: string): void {
  if (DataType.isUtf8(data.type) || DataType.isLargeUtf8(data.type)) {
    for (let i = data.offset; i < data.offset + data.length; i++) utf8At(data, i, where);
  } else if (DataType.isDictionary(data.type) && data.dictionary && DataType.isUtf8(data.dictionary.type)) {
    const entries = data.dictionary.data;
    const indices = data.values as ArrayLike<number | bigint>;
    for (let i = data.offset; i < data.offset + data.length; i++) {
      if (!data.getValid(i - data.offset)) continue;
      let k = Number(indices[i]);
      const chunk = entries.find((d) => (k < d.length ? true : ((k -= d.length), false)));
      if (chunk) utf8At(chunk, chunk.offset + k, where);
    }
  }
  for (const child of data.children) checkStrings(child, where);
}

function utf8At(data: Data, i: number, where: string): void {
  const offsets = data.valueOffsets as ArrayLike<number | bigint>;
  decodeStrict(data.values.subarray(Number(offsets[i]), Number(offsets[i + 1])), where);
}
