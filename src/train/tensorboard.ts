// TensorBoard event files (tfevents): TFRecord framing of tensorflow.Event protos carrying scalar
// summaries, the format torch.utils.tensorboard.SummaryWriter writes. The protos are tiny, so
// they are encoded by hand: Event{1 wall_time double, 2 step int64, 3 file_version string,
// 5 summary}, Summary{1 repeated Value}, Value{1 tag string, 2 simple_value float}.
import { crc32c } from '@aws-crypto/crc32c';
import { appendFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';

export interface Scalar {
  tag: string;
  step: number;
  value: number;
  wallTime: number;
}

/** TFRecord's masked CRC, so a CRC of data containing CRCs is not itself a CRC. */
function maskedCrc(bytes: Uint8Array): number {
  const crc = crc32c(bytes);
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

function varint(value: number): number[] {
  const out: number[] = [];
  let v = BigInt(value);
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    out.push(byte);
  } while (v > 0n);
  return out;
}

function lengthDelimited(field: number, bytes: Uint8Array): number[] {
  return [(field << 3) | 2, ...varint(bytes.length), ...bytes];
}

function encodeEvent(wallTime: number, step: number, body: number[]): Uint8Array {
  const time = new Uint8Array(8);
  new DataView(time.buffer).setFloat64(0, wallTime, true);
  return Uint8Array.from([(1 << 3) | 1, ...time, (2 << 3) | 0, ...varint(step), ...body]);
}

function encodeScalar(tag: string, value: number): number[] {
  const v = new Uint8Array(4);
  new DataView(v.buffer).setFloat32(0, value, true);
  const valueMsg = Uint8Array.from([...lengthDelimited(1, new TextEncoder().encode(tag)), (2 << 3) | 5, ...v]);
  return lengthDelimited(5, Uint8Array.from(lengthDelimited(1, valueMsg)));
}

function frame(record: Uint8Array): Uint8Array {
  const header = new Uint8Array(12);
  const view = new DataView(header.buffer);
  view.setBigUint64(0, BigInt(record.length), true);
  view.setUint32(8, maskedCrc(header.subarray(0, 8)), true);
  const footer = new Uint8Array(4);
  new DataView(footer.buffer).setUint32(0, maskedCrc(record), true);
  return Uint8Array.from([...header, ...record, ...footer]);
}

let writers = 0;

/** Appends scalars to one events.out.tfevents.* file in `dir`. */
export class TensorBoardWriter {
  private constructor(readonly file: string) {}

  /** `resumeFrom`: earlier event files in `dir` lose their records past this step, which a resumed run logs again. */
  static async create(dir: string, resumeFrom?: number): Promise<TensorBoardWriter> {
    await mkdir(dir, { recursive: true });
    if (resumeFrom !== undefined) await keepEventsThrough(dir, resumeFrom);
    const now = Date.now() / 1000;
    // The counter keeps two writers of one process in one second (an in-process resume) apart.
    const file = join(dir, `events.out.tfevents.${Math.floor(now)}.${hostname()}.${process.pid}.${writers++}.wgml`);
    const version = lengthDelimited(3, new TextEncoder().encode('brain.Event:2'));
    await writeFile(file, frame(encodeEvent(now, 0, version)));
    return new TensorBoardWriter(file);
  }

  async addScalars(step: number, values: Record<string, number>, wallTime = Date.now() / 1000): Promise<void> {
    const records = Object.entries(values).map(([tag, v]) => frame(encodeEvent(wallTime, step, encodeScalar(tag, v))));
    await appendFile(this.file, Buffer.concat(records));
  }
}

/** Minimal protobuf reader over the fields written above; other fields are skipped. */
function* fields(bytes: Uint8Array): Generator<{ field: number; wire: number; value: Uint8Array | bigint }> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  const readVarint = (): bigint => {
    let result = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const b = bytes[at++]!;
      result |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return result;
    }
  };
  while (at < bytes.length) {
    const key = Number(readVarint());
    const [field, wire] = [key >>> 3, key & 7];
    if (wire === 0) yield { field, wire, value: readVarint() };
    else if (wire === 1 || wire === 5) {
      const n = wire === 1 ? 8 : 4;
      yield { field, wire, value: bytes.subarray(at, at + n) };
      at += n;
    } else if (wire === 2) {
      const n = Number(readVarint());
      yield { field, wire, value: bytes.subarray(at, at + n) };
      at += n;
    } else throw new Error(`tfevents: unsupported wire type ${wire} at byte ${at} of ${view.byteLength}`);
  }
}

function decodeScalars(record: Uint8Array): Scalar[] {
  let wallTime = 0;
  let step = 0;
  const out: Omit<Scalar, 'wallTime' | 'step'>[] = [];
  for (const f of fields(record)) {
    if (f.field === 1 && f.wire === 1) wallTime = new DataView((f.value as Uint8Array).slice().buffer).getFloat64(0, true);
    if (f.field === 2 && f.wire === 0) step = Number(f.value);
    if (f.field !== 5 || f.wire !== 2) continue;
    for (const v of fields(f.value as Uint8Array)) {
      let tag = '';
      let value = NaN;
      for (const g of fields(v.value as Uint8Array)) {
        if (g.field === 1) tag = new TextDecoder().decode(g.value as Uint8Array);
        if (g.field === 2) value = new DataView((g.value as Uint8Array).slice().buffer).getFloat32(0, true);
      }
      out.push({ tag, value });
    }
  }
  return out.map((s) => ({ ...s, step, wallTime }));
}

/** The TFRecord records of an event file; a torn last record (a kill mid-append) ends it when `tolerateTornEnd`. */
function* records(bytes: Uint8Array, file: string, tolerateTornEnd = false): Generator<{ record: Uint8Array; framed: Uint8Array }> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 0; at < bytes.length; ) {
    if (tolerateTornEnd && at + 12 > bytes.length) return;
    const length = Number(view.getBigUint64(at, true));
    if (view.getUint32(at + 8, true) !== maskedCrc(bytes.subarray(at, at + 8))) {
      if (tolerateTornEnd) return;
      throw new Error(`${file}: bad length CRC at byte ${at}`);
    }
    if (tolerateTornEnd && at + 16 + length > bytes.length) return;
    const record = bytes.subarray(at + 12, at + 12 + length);
    if (view.getUint32(at + 12 + length, true) !== maskedCrc(record)) throw new Error(`${file}: bad data CRC at byte ${at}`);
    yield { record, framed: bytes.subarray(at, at + 16 + length) };
    at += 16 + length;
  }
}

function stepOf(record: Uint8Array): number {
  for (const f of fields(record)) if (f.field === 2 && f.wire === 0) return Number(f.value);
  return 0;
}

async function keepEventsThrough(dir: string, step: number): Promise<void> {
  for (const name of (await readdir(dir)).filter((n) => n.startsWith('events.out.tfevents.'))) {
    const file = join(dir, name);
    const kept = [...records(new Uint8Array(await readFile(file)), file, true)].filter((r) => stepOf(r.record) <= step).map((r) => r.framed);
    await writeFileAtomic(file, kept);
  }
}

/** Reads every scalar of an event file back, checking each record's CRCs. */
export async function readTensorBoardScalars(file: string): Promise<Scalar[]> {
  const scalars: Scalar[] = [];
  for (const { record } of records(new Uint8Array(await readFile(file)), file)) scalars.push(...decodeScalars(record));
  return scalars;
}
