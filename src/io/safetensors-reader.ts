// Reading safetensors (one file or a sharded HF checkpoint) over byte sources, platform-free: only
// headers are read at open; tensor bytes are read on demand at their offsets, so a multi-GB
// checkpoint is never held in one buffer. src/io/safetensors.ts opens files on disk; the browser
// opens URLs (src/platform/browser.ts).

import { CheckpointFormatError } from '../errors.js';
import type { ByteSource } from './byte-source.js';
import { type Dtype, bf16ArrayToF32, f16ArrayToF32 } from './dtype.js';
import { type HeaderEntry, type SafetensorsHeader, readSafetensorsHeader } from './safetensors-header.js';

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
  readonly source: ByteSource;
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

  /** One .safetensors file; the reader owns the source and closes it (also when the header is bad). */
  static async fromSource(path: string, source: ByteSource): Promise<SafetensorsReader> {
    const [file] = await openAll([Promise.resolve(source)]);
    const tensors = new Map([...file!.header.entries].map(([name, entry]) => [name, { source: file!, entry }]));
    return new SafetensorsReader(path, [file!], tensors);
  }

  /**
   * A sharded checkpoint: `index` is model.safetensors.index.json's parsed JSON (read from
   * `indexPath`), `openShard` opens a shard file named in it (a name beside the index).
   */
  static async fromShardIndex(path: string, indexPath: string, index: unknown, openShard: (name: string) => Promise<ByteSource>): Promise<SafetensorsReader> {
    const weightMap = parseShardIndex(indexPath, index);
    const shardNames = [...new Set(weightMap.values())];
    const sources = await openAll(shardNames.map((name) => openShard(name)));
    try {
      const byShard = new Map(shardNames.map((shard, i) => [shard, sources[i]!]));
      const tensors = new Map<string, Located>();
      for (const [name, shard] of weightMap) tensors.set(name, locateInShard(indexPath, name, byShard.get(shard)!));
      return new SafetensorsReader(path, sources, tensors);
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
    return { dtype: entry.dtype, shape: entry.shape, byteLength: entry.end - entry.begin, file: source.source.path };
  }

  /** `__metadata__` of every file, merged (shards normally all carry {"format": "pt"}). */
  metadata(): Record<string, string> {
    return Object.assign({}, ...this.sources.map((s) => s.header.metadata));
  }

  /** Raw little-endian bytes of a tensor, in a fresh buffer at offset 0 (safe to view as any typed array). */
  async read(name: string): Promise<Uint8Array> {
    const { source, entry } = this.locate(name);
    return source.source.read(source.header.dataStart + entry.begin, entry.end - entry.begin);
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
      `${source.source.path}: tensor "${name}" is ${entry.dtype}, not a float; read it with read() as raw bytes`,
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

async function withHeader(source: ByteSource): Promise<SourceFile> {
  try {
    return { source, header: await readSafetensorsHeader(source) };
  } catch (err) {
    await source.close();
    throw err;
  }
}

// Opens every shard, or none: a failure closes the ones already open before rethrowing.
async function openAll(opening: readonly Promise<ByteSource>[]): Promise<SourceFile[]> {
  const results = await Promise.allSettled(opening.map((p) => p.then(withHeader)));
  const opened = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (!failure) return opened;
  await closeAll(opened);
  throw failure.reason;
}

async function closeAll(sources: readonly SourceFile[]): Promise<void> {
  await Promise.all(sources.map((s) => s.source.close()));
}

function parseShardIndex(indexPath: string, json: unknown): Map<string, string> {
  const weightMap = (json as { weight_map?: unknown } | null)?.weight_map;
  if (typeof weightMap !== 'object' || weightMap === null || Array.isArray(weightMap)) {
    throw new CheckpointFormatError(`${indexPath}: missing "weight_map" object (tensor name → shard file)`);
  }
  const result = new Map<string, string>();
  for (const [name, shard] of Object.entries(weightMap)) {
    // Shards live beside the index; anything else would let an index point anywhere on disk.
    if (typeof shard !== 'string' || shard.includes('/')) {
      throw new CheckpointFormatError(`${indexPath}: weight_map entry for tensor "${name}" must be a file name in the same directory, got ${JSON.stringify(shard)}`);
    }
    result.set(name, shard);
  }
  return result;
}

function locateInShard(indexPath: string, name: string, source: SourceFile): Located {
  const entry = source.header.entries.get(name);
  if (!entry) {
    throw new CheckpointFormatError(`${indexPath}: weight_map puts tensor "${name}" in ${source.source.path}, which has no such tensor`);
  }
  return { source, entry };
}
