// Parquet (hyparquet) and Arrow IPC (apache-arrow) files as rows, with every string strictly
// UTF-8. Both libraries decode strings leniently (invalid bytes become U+FFFD), where pyarrow's
// to_pylist and Python's str refuse them; so the bytes are checked here, and a file whose string
// column holds invalid UTF-8 is an error naming the file (and, for Arrow, the column). Arrow's
// dictionary-encoded strings (what tableFromArrays writes) are checked through their indices.
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

/** The footer's statistics are decoded leniently (pyarrow does not check them); only row strings are checked. */
export async function readParquetRows(file: string): Promise<unknown[]> {
  const bytes = await readFile(file);
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const metadata = parquetMetadata(buffer);
  const stringFromBytes = (value: Uint8Array | undefined) => (value === undefined ? value : decodeStrict(value, `${file}: a string column`));
  return parquetReadObjects({ file: buffer, metadata, parsers: { stringFromBytes } });
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
