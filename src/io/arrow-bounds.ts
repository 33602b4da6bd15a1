// Bounds an Arrow IPC file's metadata before apache-arrow reads it. The library trusts the
// flatbuffer counts it decodes: a few flipped bytes in a 1 KB file can declare tens of millions of
// buffers, which it builds objects for (20+ s, 1.4 GB) before anything fails. Every count and
// range a reader follows must fit the bytes that hold it; this walk checks that in time linear in
// the file, reading the few flatbuffer fields involved by hand (flatbuffers' table/vtable layout),
// and no more strictly than apache-arrow itself reads them.
import { ConfigError } from '../errors.js';

const MAGIC = 'ARROW1';
/** Message.header_type values (format/Message.fbs). */
const DICTIONARY_BATCH = 2;
const RECORD_BATCH = 3;

/** Entries × size a vector may claim beyond the file: about a million 16-byte entries, ~1 s of apache-arrow's work. */
const SLACK = 16 << 20;

class Bad extends Error {}

/**
 * A flatbuffer in `bytes`, every read checked against its end. A vector may claim at most `room`
 * bytes (the file's size, or SLACK if more): apache-arrow reads an overlong one past the metadata
 * without failing, so only counts out of all proportion to the file (the costly ones) are refused.
 */
class Flat {
  private readonly view: DataView;
  constructor(
    readonly bytes: Uint8Array,
    private readonly room = bytes.length,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  private need(at: number, n: number): void {
    if (!Number.isInteger(at) || at < 0 || at + n > this.bytes.length) throw new Bad(`metadata read at ${at} past its ${this.bytes.length} bytes`);
  }
  u8(at: number): number {
    this.need(at, 1);
    return this.view.getUint8(at);
  }
  u16(at: number): number {
    this.need(at, 2);
    return this.view.getUint16(at, true);
  }
  i32(at: number): number {
    this.need(at, 4);
    return this.view.getInt32(at, true);
  }
  i64(at: number): number {
    this.need(at, 8);
    return Number(this.view.getBigInt64(at, true));
  }
  root(): number {
    return this.i32(0);
  }
  /** Position of field `index` of the table at `table`, or null when absent. */
  field(table: number, index: number): number | null {
    const vtable = table - this.i32(table);
    const size = this.u16(vtable);
    const slot = 4 + 2 * index;
    const offset = slot < size ? this.u16(vtable + slot) : 0;
    return offset === 0 ? null : table + offset;
  }
  /** The table or vector an offset field points to. */
  target(at: number): number {
    return at + this.i32(at);
  }
  /** A vector of `elementSize`-byte structs: its first element and length, which must fit. */
  vector(at: number, elementSize: number): { start: number; length: number } {
    const v = this.target(at);
    const length = this.i32(v);
    if (length < 0 || length * elementSize > Math.max(this.room, SLACK)) throw new Bad(`a vector of ${length} entries does not fit a ${this.room}-byte file`);
    return { start: v + 4, length };
  }
}

/**
 * A RecordBatch table: its node and buffer lists (16-byte structs) fit the metadata. Buffer ranges
 * past the body are left to apache-arrow, which clips them (no allocation follows from them).
 */
function checkRecordBatch(fb: Flat, table: number): void {
  const nodes = fb.field(table, 1);
  if (nodes !== null) fb.vector(nodes, 16);
  const buffers = fb.field(table, 2);
  if (buffers !== null) fb.vector(buffers, 16);
}

/** The message at `at` (continuation marker, metadata length, Message, body); returns where the next one starts (the body is clipped by the reader), or null at the end marker. */
function checkMessage(bytes: Uint8Array, at: number, end: number): number | null {
  const head = new Flat(bytes.subarray(at, Math.min(end, at + 8)));
  let pos = at + 4;
  let metaLength = head.i32(0);
  if (metaLength === -1) {
    metaLength = head.i32(4);
    pos += 4;
  }
  if (metaLength === 0) return null;
  if (metaLength < 0 || pos + metaLength > end) throw new Bad(`message at ${at}: ${metaLength} bytes of metadata past the end`);
  const fb = new Flat(bytes.subarray(pos, pos + metaLength), bytes.length);
  const message = fb.target(0);
  const bodyAt = fb.field(message, 3);
  const bodyLength = bodyAt === null ? 0 : fb.i64(bodyAt);
  const typeAt = fb.field(message, 1);
  const headerAt = fb.field(message, 2);
  const type = typeAt === null ? 0 : fb.u8(typeAt);
  if (headerAt !== null && type === RECORD_BATCH) checkRecordBatch(fb, fb.target(headerAt));
  if (headerAt !== null && type === DICTIONARY_BATCH) {
    const data = fb.field(fb.target(headerAt), 1);
    if (data !== null) checkRecordBatch(fb, fb.target(data));
  }
  return pos + metaLength + Math.max(0, bodyLength);
}

/** The file format's footer: its block lists fit it, and the message at each block's offset checks out (apache-arrow reads lengths from the message itself). */
function checkFooter(bytes: Uint8Array): void {
  const tail = bytes.length - 10;
  const footerLength = new Flat(bytes.subarray(tail, tail + 4)).i32(0);
  const footerAt = tail - footerLength;
  if (footerLength <= 0 || footerAt < 8) throw new Bad(`a ${footerLength}-byte footer does not fit the file`);
  const fb = new Flat(bytes.subarray(footerAt, tail), bytes.length);
  const footer = fb.root();
  for (const index of [2, 3]) {
    const at = fb.field(footer, index);
    if (at === null) continue;
    const { start, length } = fb.vector(at, 24);
    // Entries past the footer's bytes read as zeros in apache-arrow (offset 0: skipped below).
    for (let i = 0; i < Math.min(length, Math.floor((fb.bytes.length - start) / 24)); i++) {
      const offset = fb.i64(start + 24 * i);
      // A block outside the file reads as nothing in apache-arrow; only blocks it can follow are checked.
      if (offset >= 8 && offset < footerAt) checkMessage(bytes, offset, footerAt);
    }
  }
}

/** Throws a ConfigError naming `file` unless every metadata count and range fits the bytes. */
export function checkArrowBounds(bytes: Uint8Array, file: string): void {
  try {
    // apache-arrow tells a file from a stream by the leading magic alone.
    const isFile = bytes.length >= 18 && new TextDecoder().decode(bytes.subarray(0, 6)) === MAGIC;
    // A file is read through its footer's blocks (the schema message first); a stream message by message.
    if (isFile) {
      checkMessage(bytes, 8, bytes.length);
      checkFooter(bytes);
    } else for (let at: number | null = 0; at !== null && at < bytes.length; ) at = checkMessage(bytes, at, bytes.length);
  } catch (error) {
    if (!(error instanceof Bad)) throw error;
    throw new ConfigError(`${file}: not a readable Arrow IPC file (${error.message})`);
  }
}
