// Validation of a safetensors header (https://github.com/huggingface/safetensors#format):
// 8-byte little-endian header length N, N bytes of JSON, then the data section. It accepts
// exactly what the reference (the Rust `safetensors` crate) accepts: UTF-8 JSON whose
// integers are integer literals, no key twice, tensors that tile the data section from byte 0
// to its end without gaps, overlaps or trailing bytes. Everything a later read relies on is
// checked here, at open, so a corrupt file fails before any GPU work.

import { CheckpointFormatError } from '../errors.js';
import type { ByteSource } from './byte-source.js';
import { DTYPE_BITS, type Dtype, dtypeByteLength, isDtype } from './dtype.js';
import { type JsonObject, type JsonValue, JsonNumber, StrictJsonError, parseStrictJson, unsignedInteger } from './strict-json.js';

/** Same bound as the reference implementation: a larger header is corruption, not a model. */
export const MAX_HEADER_BYTES = 100_000_000;

export interface HeaderEntry {
  readonly dtype: Dtype;
  readonly shape: readonly number[];
  /** Offsets relative to the start of the data section, as in the file. */
  readonly begin: number;
  readonly end: number;
}

export interface SafetensorsHeader {
  /** Absolute file offset of the data section. */
  readonly dataStart: number;
  readonly entries: ReadonlyMap<string, HeaderEntry>;
  readonly metadata: Readonly<Record<string, string>>;
}

const REWRITE = 'the file is corrupt or was not written by a safetensors writer; re-download it or save it again with safetensors';

export async function readSafetensorsHeader(source: ByteSource): Promise<SafetensorsHeader> {
  const { path, size: fileSize } = source;
  if (fileSize < 8) fail(path, `file is ${fileSize} bytes, shorter than the 8-byte header length; it is truncated or not a safetensors file`);
  const lengthBytes = await source.read(0, 8);
  const headerLength = new DataView(lengthBytes.buffer, lengthBytes.byteOffset, 8).getBigUint64(0, true);
  if (headerLength > BigInt(MAX_HEADER_BYTES)) {
    fail(path, `header length ${headerLength} exceeds the ${MAX_HEADER_BYTES}-byte limit of the safetensors format; ${REWRITE}`);
  }
  const n = Number(headerLength);
  if (n > fileSize - 8) fail(path, `header length ${n} does not fit in the ${fileSize}-byte file; it is truncated or not a safetensors file`);
  const json = parseHeaderText(path, await source.read(8, n));
  const { entries, metadata } = parseHeaderJson(path, json, fileSize - 8 - n);
  return { dataStart: 8 + n, entries, metadata };
}

function parseHeaderText(path: string, bytes: Uint8Array): JsonValue {
  let text: string;
  try {
    // ignoreBOM: a byte-order mark is kept, so it fails as JSON the way it does in the reference.
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return fail(path, `header is not valid UTF-8; ${REWRITE}`);
  }
  try {
    return parseStrictJson(text);
  } catch (err) {
    if (err instanceof StrictJsonError) fail(path, `header: ${err.message}; ${REWRITE}`);
    throw err;
  }
}

function parseHeaderJson(path: string, json: JsonValue, dataSize: number): { entries: Map<string, HeaderEntry>; metadata: Record<string, string> } {
  if (!(json instanceof Map)) fail(path, 'header is not a JSON object');
  const entries = new Map<string, HeaderEntry>();
  let metadata: Record<string, string> = {};
  for (const [name, raw] of json) {
    if (name === '__metadata__') metadata = parseMetadata(path, raw);
    else entries.set(name, parseEntry(path, name, raw, dataSize));
  }
  checkTiling(path, entries, dataSize);
  return { entries, metadata };
}

// The reference reads it as Option<HashMap<String, String>>: null is "no metadata".
function parseMetadata(path: string, raw: JsonValue): Record<string, string> {
  if (raw === null) return {};
  if (!(raw instanceof Map) || ![...raw.values()].every((v) => typeof v === 'string')) {
    fail(path, '__metadata__ must be null or an object of string values');
  }
  return Object.fromEntries(raw) as Record<string, string>;
}

function parseEntry(path: string, name: string, raw: JsonValue, dataSize: number): HeaderEntry {
  const where = `tensor "${name}"`;
  if (!(raw instanceof Map)) fail(path, `${where}: header entry is not an object`);
  const dtype = parseDtype(path, where, raw);
  const shape = integerList(raw.get('shape'));
  if (!shape) fail(path, `${where}: shape ${show(raw.get('shape'))} is not a list of non-negative integer literals`);
  const offsets = integerList(raw.get('data_offsets'));
  if (!offsets || offsets.length !== 2) {
    fail(path, `${where}: data_offsets ${show(raw.get('data_offsets'))} is not a pair of non-negative integer literals`);
  }
  const [begin, end] = offsets;
  if (end < begin) fail(path, `${where}: data_offsets [${begin}, ${end}] end before they begin`);
  if (end > BigInt(dataSize)) {
    fail(path, `${where}: data_offsets [${begin}, ${end}] point past the ${dataSize}-byte data section; the file is truncated or corrupt`);
  }
  checkByteLength(path, where, dtype, shape, end - begin);
  return { dtype, shape: shapeNumbers(path, where, shape), begin: Number(begin), end: Number(end) };
}

function parseDtype(path: string, where: string, raw: JsonObject): Dtype {
  const dtype = raw.get('dtype');
  if (typeof dtype !== 'string' || !isDtype(dtype)) {
    fail(path, `${where}: unknown dtype ${show(dtype)}; safetensors dtypes are ${Object.keys(DTYPE_BITS).join(', ')}`);
  }
  return dtype;
}

function checkByteLength(path: string, where: string, dtype: Dtype, shape: readonly bigint[], span: bigint): void {
  const elements = shape.reduce((a, b) => a * b, 1n);
  const what = `${dtype} × shape [${shape.join(', ')}]`;
  // usize arithmetic in the reference: a product past 2^64 is an error, not a wrap-around.
  if (elements >= 2n ** 64n || BigInt(DTYPE_BITS[dtype]) * elements >= 2n ** 64n) fail(path, `${where}: ${what} overflows 64 bits`);
  const expected = dtypeByteLength(dtype, elements);
  if (expected === undefined) fail(path, `${where}: ${what} is ${DTYPE_BITS[dtype]}-bit values that do not fill whole bytes`);
  if (span !== expected) fail(path, `${where}: ${what} needs ${expected} bytes but data_offsets span ${span}`);
}

// Dimensions past 2^53 pass the byte-length check only beside a zero dimension; JS numbers
// cannot hold them exactly, so such a file is refused rather than read with a rounded shape.
function shapeNumbers(path: string, where: string, shape: readonly bigint[]): number[] {
  if (shape.some((d) => d > BigInt(Number.MAX_SAFE_INTEGER))) fail(path, `${where}: shape [${shape.join(', ')}] has a dimension past 2^53, which wgml cannot represent`);
  return shape.map(Number);
}

/**
 * Sorted by data_offsets, the tensors must cover [0, dataSize) exactly, each starting where
 * the previous ended: an overlap would let two tensors share bytes, a gap or trailing bytes
 * mean the header and data disagree.
 */
function checkTiling(path: string, entries: ReadonlyMap<string, HeaderEntry>, dataSize: number): void {
  const sorted = [...entries].sort(([, a], [, b]) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let previous = '';
  for (const [name, { begin, end }] of sorted) {
    if (begin < covered) {
      fail(path, `tensor "${name}": data_offsets [${begin}, ${end}] overlap tensor "${previous}", which ends at ${covered}; each tensor needs bytes of its own. ${REWRITE}`);
    }
    if (begin > covered) fail(path, `tensor "${name}": data_offsets [${begin}, ${end}] leave bytes [${covered}, ${begin}) of the data section unused. ${REWRITE}`);
    covered = end;
    previous = name;
  }
  if (covered !== dataSize) {
    const last = previous ? `the last tensor, "${previous}", ends at ${covered}` : 'the header names no tensor';
    fail(path, `${dataSize - covered} trailing bytes after the data: ${last} but the data section is ${dataSize} bytes. ${REWRITE}`);
  }
}

function integerList(value: JsonValue | undefined): bigint[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const ints = value.map(unsignedInteger);
  return ints.every((n) => n !== undefined) ? (ints as bigint[]) : undefined;
}

/** A header value as it was written, for messages. */
function show(value: JsonValue | undefined): string {
  if (value === undefined) return '(missing)';
  if (value instanceof JsonNumber) return value.text;
  if (value instanceof Map) return `{${[...value].map(([k, v]) => `${JSON.stringify(k)}: ${show(v)}`).join(', ')}}`;
  if (Array.isArray(value)) return `[${value.map(show).join(', ')}]`;
  return JSON.stringify(value);
}

function fail(path: string, message: string): never {
  throw new CheckpointFormatError(`${path}: ${message}`);
}
