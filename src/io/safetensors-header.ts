// Validation of a safetensors header (https://github.com/huggingface/safetensors#format):
// 8-byte little-endian header length N, N bytes of JSON, then the data section. Everything a
// later read relies on is checked here, at open, so a corrupt file fails before any GPU work.

import type { FileHandle } from 'node:fs/promises';
import { CheckpointFormatError } from '../errors.js';
import { DTYPE_BYTES, type Dtype, isDtype } from './dtype.js';

/** Same bound as the reference implementation: a larger header is corruption, not a model. */
const MAX_HEADER_BYTES = 100_000_000;

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

export async function readSafetensorsHeader(path: string, handle: FileHandle): Promise<SafetensorsHeader> {
  const fileSize = (await handle.stat()).size;
  if (fileSize < 8) fail(path, `file is ${fileSize} bytes, shorter than the 8-byte header length; it is truncated or not a safetensors file`);
  const lengthBytes = await readExactly(handle, 0, 8, path);
  const headerLength = Number(Buffer.from(lengthBytes).readBigUInt64LE(0));
  if (headerLength > fileSize - 8 || headerLength > MAX_HEADER_BYTES) {
    fail(path, `header length ${headerLength} does not fit in the ${fileSize}-byte file; it is truncated or not a safetensors file`);
  }
  const headerText = Buffer.from(await readExactly(handle, 8, headerLength, path)).toString('utf8');
  const json = parseJson(path, headerText);
  const dataSize = fileSize - 8 - headerLength;
  const { entries, metadata } = parseHeaderJson(path, json, dataSize);
  return { dataStart: 8 + headerLength, entries, metadata };
}

function parseHeaderJson(
  path: string,
  json: unknown,
  dataSize: number,
): { entries: Map<string, HeaderEntry>; metadata: Record<string, string> } {
  if (!isPlainObject(json)) fail(path, 'header is not a JSON object');
  const entries = new Map<string, HeaderEntry>();
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(json)) {
    if (name === '__metadata__') metadata = parseMetadata(path, raw);
    else entries.set(name, parseEntry(path, name, raw, dataSize));
  }
  return { entries, metadata };
}

function parseMetadata(path: string, raw: unknown): Record<string, string> {
  if (!isPlainObject(raw) || !Object.values(raw).every((v) => typeof v === 'string')) {
    fail(path, '__metadata__ must be an object of string values');
  }
  return raw as Record<string, string>;
}

function parseEntry(path: string, name: string, raw: unknown, dataSize: number): HeaderEntry {
  const where = `tensor "${name}"`;
  if (!isPlainObject(raw)) fail(path, `${where}: header entry is not an object`);
  const { dtype, shape, data_offsets: offsets } = raw;
  if (typeof dtype !== 'string' || !isDtype(dtype)) {
    fail(path, `${where}: unsupported dtype ${JSON.stringify(dtype)}; supported: ${Object.keys(DTYPE_BYTES).join(', ')}`);
  }
  if (!Array.isArray(shape) || !shape.every(isSize)) {
    fail(path, `${where}: shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isSize)) {
    fail(path, `${where}: data_offsets ${JSON.stringify(offsets)} is not a pair of non-negative integers`);
  }
  const [begin, end] = offsets as [number, number];
  if (end < begin) fail(path, `${where}: data_offsets [${begin}, ${end}] end before they begin`);
  if (end > dataSize) {
    fail(path, `${where}: data_offsets [${begin}, ${end}] point past the ${dataSize}-byte data section; the file is truncated or corrupt`);
  }
  const expected = DTYPE_BYTES[dtype] * shape.reduce((a: number, b: number) => a * b, 1);
  if (end - begin !== expected) {
    fail(path, `${where}: ${dtype} × shape [${shape.join(', ')}] needs ${expected} bytes but data_offsets span ${end - begin}`);
  }
  return { dtype, shape: shape as number[], begin, end };
}

/** Reads exactly `length` bytes at `position`; a short read means the file changed or is truncated. */
export async function readExactly(handle: FileHandle, position: number, length: number, path: string): Promise<Uint8Array> {
  // allocUnsafeSlow: no zero-fill of multi-GB buffers, and its own ArrayBuffer at offset 0 so
  // callers can view it as Float32Array/Uint16Array without an alignment copy.
  const buffer = Buffer.allocUnsafeSlow(length);
  const maxChunk = 1 << 30; // one read() call is limited to 2 GiB
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(buffer, done, Math.min(maxChunk, length - done), position + done);
    if (bytesRead === 0) fail(path, `unexpected end of file at byte ${position + done}; the file is truncated`);
    done += bytesRead;
  }
  return new Uint8Array(buffer.buffer, buffer.byteOffset, length);
}

function parseJson(path: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    return fail(path, `header is not valid JSON (${(err as Error).message})`);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isSize(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

function fail(path: string, message: string): never {
  throw new CheckpointFormatError(`${path}: ${message}`);
}
