// Tensor: a shape, a dtype and GPU storage. Storage is split by rows (all dims but the last,
// flattened) into chunks that each fit one storage binding, so a 151936-row embedding or LM
// head works on adapters with 128 MiB bindings.
import type { Device } from '../gpu/device.js';
import { ShapeMismatchError } from '../errors.js';
import { byteSize, DTYPES, type DType } from './dtype.js';
import { packHalf, unpackHalf } from './half.js';

export type Shape = readonly number[];

export interface Chunk {
  readonly buffer: GPUBuffer;
  /** First row (flattened leading dims) this chunk holds. */
  readonly rowStart: number;
  readonly rows: number;
}

/** A chunk's place in the flat element order, so views of another shape can derive their rows. */
interface StoredChunk {
  readonly buffer: GPUBuffer;
  readonly start: number;
  readonly count: number;
}

/** A GPU object made from a tensor's values (a texture of a weight's rows), freed with them. */
export interface Derived {
  destroy(): void;
}

/** Shared by a tensor and its reshaped views; freed when the last one is disposed. */
interface Storage {
  readonly chunks: StoredChunk[];
  refs: number;
  derived?: Map<string, Derived>;
}

export function numel(shape: Shape): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function shapeString(shape: Shape): string {
  return `(${shape.join(',')})`;
}

/** Rows per chunk: as many whole rows as fit the binding, keeping each chunk a whole number of words. */
function rowsPerChunk(device: Device, dtype: DType, cols: number, rows: number): number {
  const rowBits = cols * DTYPES[dtype].bits;
  let per = Math.floor((device.maxBindingBytes * 8) / rowBits);
  if (per < 1) throw new ShapeMismatchError(`A row of ${cols} ${dtype} values exceeds the ${device.maxBindingBytes}-byte binding limit`);
  while (per > 1 && (per * rowBits) % 32 !== 0) per--;
  return Math.min(per, rows);
}

export class Tensor {
  private disposed = false;

  private constructor(
    readonly device: Device,
    readonly shape: Shape,
    readonly dtype: DType,
    private readonly storage: Storage,
  ) {}

  static empty(device: Device, shape: Shape, dtype: DType = 'f32'): Tensor {
    return Tensor.allocate(device, shape, dtype, (bytes) => device.pool.acquire(bytes));
  }

  /** Uploads `data` (f32 values for float dtypes; packed to bf16/f16 here). */
  static from(device: Device, data: ArrayLike<number>, shape: Shape, dtype: DType = 'f32'): Tensor {
    if (data.length !== numel(shape)) {
      throw new ShapeMismatchError(`Tensor.from: ${data.length} values do not fill shape ${shapeString(shape)}`);
    }
    const words = toWords(data, dtype);
    return Tensor.fromBytes(device, new Uint8Array(words.buffer, words.byteOffset, words.byteLength), shape, dtype);
  }

  /** Uploads raw little-endian storage (bf16/f16 as 2 bytes per value, as in safetensors) without converting. */
  static fromBytes(device: Device, bytes: Uint8Array, shape: Shape, dtype: DType): Tensor {
    const needed = (numel(shape) * DTYPES[dtype].bits) / 8;
    if (bytes.byteLength < needed) {
      throw new ShapeMismatchError(`Tensor.fromBytes: ${bytes.byteLength} bytes do not fill ${dtype} shape ${shapeString(shape)} (${needed} bytes)`);
    }
    const bitsPerElem = DTYPES[dtype].bits;
    return Tensor.allocate(device, shape, dtype, (size, first) => {
      const start = (first * bitsPerElem) / 8;
      return device.pool.acquireWith(bytes.subarray(start, Math.min(start + size, needed)));
    });
  }

  private static allocate(
    device: Device,
    shape: Shape,
    dtype: DType,
    make: (bytes: number, firstElement: number) => GPUBuffer,
  ): Tensor {
    const cols = shape.length ? shape[shape.length - 1]! : 1;
    const rows = cols === 0 ? 0 : numel(shape) / cols;
    const per = rows === 0 ? 1 : rowsPerChunk(device, dtype, cols, rows);
    // An empty tensor still gets one (empty) chunk, so ops can bind something.
    const chunks: StoredChunk[] = rows === 0 ? [{ buffer: make(4, 0), start: 0, count: 0 }] : [];
    for (let rowStart = 0; rowStart < rows; rowStart += per) {
      const count = Math.min(per, rows - rowStart) * cols;
      chunks.push({ buffer: make(byteSize(dtype, count), rowStart * cols), start: rowStart * cols, count });
    }
    return new Tensor(device, [...shape], dtype, { chunks, refs: 1 });
  }

  get size(): number {
    return numel(this.shape);
  }

  /** Last dimension. */
  get cols(): number {
    return this.shape.length ? this.shape[this.shape.length - 1]! : 1;
  }

  /** Product of all dimensions but the last. */
  get rows(): number {
    return this.cols === 0 ? 0 : this.size / this.cols;
  }

  /** Storage chunks in rows of this tensor's shape (a reshaped view counts rows of its own last dim). */
  get chunks(): readonly Chunk[] {
    this.assertLive();
    const cols = this.cols || 1;
    return this.storage.chunks.map((c) => ({ buffer: c.buffer, rowStart: c.start / cols, rows: c.count / cols }));
  }

  /** The single buffer of an unchunked tensor. */
  get buffer(): GPUBuffer {
    this.assertLive();
    const chunks = this.storage.chunks;
    if (chunks.length !== 1) {
      throw new ShapeMismatchError(`Tensor ${shapeString(this.shape)} ${this.dtype} is split into ${chunks.length} chunks; this op needs it in one binding`);
    }
    return chunks[0]!.buffer;
  }

  /** Same storage, new shape; the last dimension must stay when the tensor is chunked. */
  reshape(shape: Shape): Tensor {
    this.assertLive();
    if (numel(shape) !== this.size) throw new ShapeMismatchError(`Cannot reshape ${shapeString(this.shape)} to ${shapeString(shape)}`);
    if (this.storage.chunks.length > 1 && shape[shape.length - 1] !== this.cols) {
      throw new ShapeMismatchError(`Cannot reshape chunked ${shapeString(this.shape)} to ${shapeString(shape)}: the last dimension must stay`);
    }
    this.storage.refs++;
    return new Tensor(this.device, [...shape], this.dtype, this.storage);
  }

  /**
   * What `make` builds from these values, made once per key and freed with the storage (or when
   * write() replaces the values). Only for tensors no kernel writes into: frozen 16-bit weights.
   */
  derived<T extends Derived>(key: string, make: () => T): T {
    this.assertLive();
    const all = (this.storage.derived ??= new Map());
    let d = all.get(key) as T | undefined;
    if (!d) all.set(key, (d = make()));
    return d;
  }

  /** Overwrites the values in place (f32 for float dtypes), after everything recorded so far has run. */
  write(data: ArrayLike<number>): void {
    if (data.length !== this.size) throw new ShapeMismatchError(`Tensor.write: ${data.length} values for shape ${shapeString(this.shape)}`);
    this.dropDerived();
    // Recorded work must read the old values, so it is submitted before the queue write lands.
    this.device.recorder.flush();
    const words = toWords(data, this.dtype);
    const bytes = new Uint8Array(words.buffer, words.byteOffset, words.byteLength);
    const bitsPerElem = DTYPES[this.dtype].bits;
    for (const c of this.storage.chunks) {
      const start = (c.start * bitsPerElem) / 8;
      const chunk = bytes.subarray(start, start + byteSize(this.dtype, c.count));
      this.device.gpu.queue.writeBuffer(c.buffer, 0, chunk.buffer, chunk.byteOffset, Math.ceil(chunk.byteLength / 4) * 4);
    }
  }

  /** Copies the values back: floats as f32 (16-bit types widened), integers as they are. */
  async read(): Promise<Float32Array | Int32Array | Uint32Array> {
    const parts: ArrayBuffer[] = [];
    for (const c of this.chunks) parts.push(await this.device.recorder.read(c.buffer, 0, byteSize(this.dtype, c.rows * this.cols)));
    const bytes = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
    let at = 0;
    for (const p of parts) {
      bytes.set(new Uint8Array(p), at);
      at += p.byteLength;
    }
    return fromWords(bytes.buffer, this.dtype, this.size);
  }

  async readFloat(): Promise<Float32Array> {
    const v = await this.read();
    return v instanceof Float32Array ? v : Float32Array.from(v);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (--this.storage.refs > 0) return;
    this.dropDerived();
    for (const c of this.storage.chunks) this.device.pool.release(c.buffer);
  }

  private dropDerived(): void {
    for (const d of this.storage.derived?.values() ?? []) d.destroy();
    this.storage.derived = undefined;
  }

  private assertLive(): void {
    if (this.disposed) throw new Error(`Tensor ${shapeString(this.shape)} ${this.dtype} used after dispose()`);
  }
}

function toWords(data: ArrayLike<number>, dtype: DType): ArrayBufferView {
  switch (dtype) {
    case 'f32':
      return Float32Array.from(data);
    case 'i32':
      return Int32Array.from(data);
    case 'u32':
      return Uint32Array.from(data);
    default:
      return packHalf(Float32Array.from(data), dtype);
  }
}

function fromWords(buffer: ArrayBuffer, dtype: DType, count: number): Float32Array | Int32Array | Uint32Array {
  switch (dtype) {
    case 'f32':
      return new Float32Array(buffer, 0, count);
    case 'i32':
      return new Int32Array(buffer, 0, count);
    case 'u32':
      return new Uint32Array(buffer, 0, count);
    default:
      return unpackHalf(new Uint16Array(buffer), dtype, count);
  }
}
