// safetensors reading (single file or sharded HF checkpoint) and writing. Only headers are
// read at open; tensor bytes are read on demand at their offsets, so a multi-GB checkpoint
// is never held in one buffer.

import { type FileHandle, open, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { CheckpointFormatError } from '../errors.js';
import { writeFileAtomic } from './atomic.js';
import { DTYPE_BITS, type Dtype, bf16ArrayToF32, f16ArrayToF32, dtypeByteLength, f32ArrayToBf16, f32ArrayToF16 } from './dtype.js';
import { type HeaderEntry, type SafetensorsHeader, readExactly, readSafetensorsHeader } from './safetensors-header.js';

export const SINGLE_FILE = 'model.safetensors';
export const SHARD_INDEX = 'model.safetensors.index.json';

export interface TensorInfo {
  readonly dtype: Dtype;
  readonly shape: readonly number[];
  readonly byteLength: number;
  /** The .safetensors file holding the tensor. */
  readonly file: string;
}

interface SourceFile {
  readonly path: string;
  readonly handle: FileHandle;
  readonly header: SafetensorsHeader;
}

interface Located {
  readonly source: SourceFile;
  readonly entry: HeaderEntry;
}

export class SafetensorsReader {
  private constructor(
    /** What was opened: a .safetensors file, an index.json, or a model directory. */
    readonly path: string,
    private readonly sources: readonly SourceFile[],
    private readonly tensors: ReadonlyMap<string, Located>,
  ) {}

  /** Opens a .safetensors file, a model.safetensors.index.json, or a directory holding either. */
  static async open(pathOrDir: string): Promise<SafetensorsReader> {
    const target = await resolveCheckpoint(pathOrDir);
    if (!target.endsWith('.index.json')) {
      const source = await openSource(target);
      const tensors = new Map([...source.header.entries].map(([name, entry]) => [name, { source, entry }]));
      return new SafetensorsReader(pathOrDir, [source], tensors);
    }
    const weightMap = parseShardIndex(target, await readJson(target));
    const shardNames = [...new Set(weightMap.values())];
    const sources = await openAll(shardNames.map((shard) => join(dirname(target), shard)));
    try {
      const byShard = new Map(shardNames.map((shard, i) => [shard, sources[i]]));
      const tensors = new Map<string, Located>();
      for (const [name, shard] of weightMap) tensors.set(name, locateInShard(target, name, byShard.get(shard)!));
      return new SafetensorsReader(pathOrDir, sources, tensors);
    } catch (err) {
      await closeAll(sources);
      throw err;
    }
  }

  names(): string[] {
    return [...this.tensors.keys()];
  }

  has(name: string): boolean {
    return this.tensors.has(name);
  }

  info(name: string): TensorInfo {
    const { source, entry } = this.locate(name);
    return { dtype: entry.dtype, shape: entry.shape, byteLength: entry.end - entry.begin, file: source.path };
  }

  /** `__metadata__` of every file, merged (shards normally all carry {"format": "pt"}). */
  metadata(): Record<string, string> {
    return Object.assign({}, ...this.sources.map((s) => s.header.metadata));
  }

  /** Raw little-endian bytes of a tensor, in a fresh buffer at offset 0 (safe to view as any typed array). */
  async read(name: string): Promise<Uint8Array> {
    const { source, entry } = this.locate(name);
    return readExactly(source.handle, source.header.dataStart + entry.begin, entry.end - entry.begin, source.path);
  }

  /** A floating-point tensor (F32, F16 or BF16) widened to f32. */
  async readF32(name: string): Promise<Float32Array> {
    const { source, entry } = this.locate(name);
    const bytes = await this.read(name);
    if (entry.dtype === 'F32') return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    const halves = new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2);
    if (entry.dtype === 'BF16') return bf16ArrayToF32(halves);
    if (entry.dtype === 'F16') return f16ArrayToF32(halves);
    throw new CheckpointFormatError(
      `${source.path}: tensor "${name}" is ${entry.dtype}, not a float; read it with read() as raw bytes`,
    );
  }

  async close(): Promise<void> {
    await closeAll(this.sources);
  }

  private locate(name: string): Located {
    const found = this.tensors.get(name);
    if (!found) {
      throw new CheckpointFormatError(
        `tensor "${name}" not found in ${this.path} (${this.tensors.size} tensors); check the model architecture and tensor prefix`,
      );
    }
    return found;
  }
}

export function openSafetensors(pathOrDir: string): Promise<SafetensorsReader> {
  return SafetensorsReader.open(pathOrDir);
}

// A directory means an HF model dir: sharded index first (it is what transformers prefers
// when both exist), then the single file.
async function resolveCheckpoint(pathOrDir: string): Promise<string> {
  const stats = await stat(pathOrDir).catch((err: NodeJS.ErrnoException) => {
    throw new CheckpointFormatError(`${pathOrDir}: cannot open (${err.code ?? err.message})`);
  });
  if (!stats.isDirectory()) return pathOrDir;
  for (const candidate of [SHARD_INDEX, SINGLE_FILE]) {
    const path = join(pathOrDir, candidate);
    if (await stat(path).then((s) => s.isFile(), () => false)) return path;
  }
  throw new CheckpointFormatError(`${pathOrDir}: holds neither ${SINGLE_FILE} nor ${SHARD_INDEX}`);
}

async function openSource(path: string): Promise<SourceFile> {
  const handle = await open(path, 'r').catch((err: NodeJS.ErrnoException) => {
    throw new CheckpointFormatError(`${path}: cannot open (${err.code ?? err.message})`);
  });
  try {
    return { path, handle, header: await readSafetensorsHeader(path, handle) };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

// Opens every shard, or none: a failure closes the ones already open before rethrowing.
async function openAll(paths: readonly string[]): Promise<SourceFile[]> {
  const results = await Promise.allSettled(paths.map(openSource));
  const opened = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (!failure) return opened;
  await closeAll(opened);
  throw failure.reason;
}

async function closeAll(sources: readonly SourceFile[]): Promise<void> {
  await Promise.all(sources.map((s) => s.handle.close()));
}

async function readJson(path: string): Promise<unknown> {
  const text = await readFile(path, 'utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CheckpointFormatError(`${path}: not valid JSON (${(err as Error).message})`);
  }
}

function parseShardIndex(indexPath: string, json: unknown): Map<string, string> {
  const weightMap = (json as { weight_map?: unknown } | null)?.weight_map;
  if (typeof weightMap !== 'object' || weightMap === null || Array.isArray(weightMap)) {
    throw new CheckpointFormatError(`${indexPath}: missing "weight_map" object (tensor name → shard file)`);
  }
  const result = new Map<string, string>();
  for (const [name, shard] of Object.entries(weightMap)) {
    // Shards live beside the index; anything else would let an index point anywhere on disk.
    if (typeof shard !== 'string' || basename(shard) !== shard) {
      throw new CheckpointFormatError(`${indexPath}: weight_map entry for tensor "${name}" must be a file name in the same directory, got ${JSON.stringify(shard)}`);
    }
    result.set(name, shard);
  }
  return result;
}

function locateInShard(indexPath: string, name: string, source: SourceFile): Located {
  const entry = source.header.entries.get(name);
  if (!entry) {
    throw new CheckpointFormatError(`${indexPath}: weight_map puts tensor "${name}" in ${source.path}, which has no such tensor`);
  }
  return { source, entry };
}

/** Typed arrays are written as their raw bytes; a Float32Array for an F16/BF16 tensor is rounded to it. */
export type TensorData = Uint8Array | Int8Array | Uint16Array | Int32Array | Uint32Array | Float32Array | BigInt64Array;

export interface TensorToWrite {
  readonly dtype: Dtype;
  readonly shape: readonly number[];
  readonly data: TensorData;
}

// The reference writer orders by dtype alignment (largest first), then by name, so every
// tensor starts aligned to its element size. DTYPE_BITS lists its Dtype enum in order.
const ALIGNMENT_ORDER = Object.keys(DTYPE_BITS) as Dtype[];

/**
 * Writes tensors in the byte layout `safetensors.torch.save_file` produces (same order, same
 * header JSON, header padded with spaces to a multiple of 8), atomically.
 */
export async function writeSafetensors(
  path: string,
  tensors: Readonly<Record<string, TensorToWrite>>,
  metadata?: Readonly<Record<string, string>>,
): Promise<void> {
  const names = Object.keys(tensors).sort((a, b) => compareForLayout(a, tensors[a], b, tensors[b]));
  const header: Record<string, unknown> = metadata ? { __metadata__: metadata } : {};
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const name of names) {
    const { dtype, shape } = tensors[name];
    const bytes = tensorBytes(path, name, tensors[name]);
    header[name] = { dtype, shape, data_offsets: [offset, offset + bytes.byteLength] };
    chunks.push(bytes);
    offset += bytes.byteLength;
  }
  const headerBytes = paddedHeader(header);
  const length = new Uint8Array(8);
  new DataView(length.buffer).setBigUint64(0, BigInt(headerBytes.byteLength), true);
  await writeFileAtomic(path, [length, headerBytes, ...chunks]);
}

function compareForLayout(nameA: string, a: TensorToWrite, nameB: string, b: TensorToWrite): number {
  const byAlignment = ALIGNMENT_ORDER.indexOf(b.dtype) - ALIGNMENT_ORDER.indexOf(a.dtype);
  // Rust compares names by bytes; for the ASCII names of checkpoints that is code-unit order.
  return byAlignment !== 0 ? byAlignment : nameA < nameB ? -1 : nameA > nameB ? 1 : 0;
}

function tensorBytes(path: string, name: string, tensor: TensorToWrite): Uint8Array {
  const { dtype, shape } = tensor;
  if (name === '__metadata__') throw new CheckpointFormatError(`${path}: "__metadata__" is reserved and cannot name a tensor`);
  if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new CheckpointFormatError(`${path}: tensor "${name}": shape [${shape.join(', ')}] is not a list of non-negative integers`);
  }
  const data = asStored(dtype, tensor.data);
  const expected = dtypeByteLength(dtype, BigInt(shape.reduce((a, b) => a * b, 1)));
  if (expected === undefined || BigInt(data.byteLength) !== expected) {
    throw new CheckpointFormatError(
      `${path}: tensor "${name}": ${dtype} × shape [${shape.join(', ')}] needs ${expected ?? 'a whole number of'} bytes but its data has ${data.byteLength}`,
    );
  }
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function asStored(dtype: Dtype, data: TensorData): TensorData {
  if (!(data instanceof Float32Array)) return data;
  if (dtype === 'BF16') return f32ArrayToBf16(data);
  if (dtype === 'F16') return f32ArrayToF16(data);
  return data;
}

function paddedHeader(header: Record<string, unknown>): Uint8Array {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const padding = (8 - (json.byteLength % 8)) % 8;
  return Buffer.concat([json, Buffer.alloc(padding, ' ')]);
}
