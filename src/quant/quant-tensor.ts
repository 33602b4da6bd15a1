// A frozen 4-bit weight (N,K) on the GPU: packed codes (eight per u32 word), one scale per block
// and the layout's code book, never a full-precision copy. Large weights are split by rows into
// chunks that each fit one binding and start on a block boundary, so a chunk's codes and scales
// are indexed from its own first value. The last block may be partial (N·K not a multiple of the
// block size), as bitsandbytes stores it: ⌈N·K/2⌉ code bytes and ⌈N·K/block⌉ scales; the kernels
// index value i's scale as i / BLOCK, which a partial last block does not change.
import { ShapeMismatchError } from '../errors.js';
import type { Device } from '../gpu/device.js';
import { packHalf } from '../tensor/half.js';
import type { FourBitLayout } from './layouts.js';

export interface QuantChunk {
  readonly codes: GPUBuffer;
  readonly scales: GPUBuffer;
  /** First weight row this chunk holds. */
  readonly rowStart: number;
  readonly rows: number;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** Rows per chunk: a multiple of the rows that end on a block boundary, as many as one binding holds. */
function rowsPerChunk(device: Device, layout: FourBitLayout, rows: number, cols: number): number {
  const unit = layout.blockSize / gcd(cols, layout.blockSize);
  const fit = Math.floor(device.maxBindingBytes / (cols / 2));
  const per = Math.floor(fit / unit) * unit;
  if (per < 1) {
    throw new ShapeMismatchError(`A 4-bit weight of ${cols} columns needs ${unit} rows per chunk (to end on a block of ${layout.blockSize}), more than a ${device.maxBindingBytes}-byte binding holds`);
  }
  return Math.min(per, rows);
}

export class QuantTensor {
  private disposed = false;

  private constructor(
    readonly device: Device,
    readonly layout: FourBitLayout,
    /** (N,K): N output features, K input features. */
    readonly shape: readonly [number, number],
    private readonly parts: QuantChunk[],
    /** The layout's 16 code-book values (f32), read by the kernels into workgroup memory. */
    readonly codebook: GPUBuffer,
    /** Packed codes plus scales, as stored on the GPU (without pool rounding). */
    readonly bytes: number,
  ) {}

  /** Uploads packed codes (two per byte, the layout's nibble order) and f32 scale values (rounded to f16 for q4). */
  static upload(device: Device, layout: FourBitLayout, shape: readonly [number, number], codes: Uint8Array, scales: Float32Array): QuantTensor {
    const [N, K] = shape;
    const n = N * K;
    if (!Number.isInteger(n) || n <= 0) throw new ShapeMismatchError(`4-bit weight (${N},${K}): not a positive number of values`);
    const [bytes, blocks] = [Math.ceil(n / 2), Math.ceil(n / layout.blockSize)];
    if (codes.byteLength !== bytes || scales.length !== blocks) {
      throw new ShapeMismatchError(`4-bit weight (${N},${K}): expected ${bytes} code bytes and ${blocks} scales, got ${codes.byteLength} and ${scales.length}`);
    }
    const per = rowsPerChunk(device, layout, N, K);
    const parts: QuantChunk[] = [];
    let stored = 0;
    for (let rowStart = 0; rowStart < N; rowStart += per) {
      const rows = Math.min(per, N - rowStart);
      // v0 starts a block (so a byte); only the last chunk's end v1 = n may split a byte or a block.
      const [v0, v1] = [rowStart * K, (rowStart + rows) * K];
      const chunkCodes = codes.subarray(v0 / 2, Math.ceil(v1 / 2));
      const chunkScales = scaleBytes(layout, scales.subarray(v0 / layout.blockSize, Math.ceil(v1 / layout.blockSize)));
      stored += chunkCodes.byteLength + chunkScales.byteLength;
      parts.push({ codes: device.pool.acquireWith(chunkCodes), scales: device.pool.acquireWith(chunkScales), rowStart, rows });
    }
    const codebook = device.pool.acquireWith(layout.codebook);
    return new QuantTensor(device, layout, [N, K], parts, codebook, stored);
  }

  get chunks(): readonly QuantChunk[] {
    if (this.disposed) throw new Error(`QuantTensor (${this.shape.join(',')}) ${this.layout.format} used after dispose()`);
    return this.parts;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const p of this.parts) {
      this.device.pool.release(p.codes);
      this.device.pool.release(p.scales);
    }
    this.device.pool.release(this.codebook);
  }
}

function scaleBytes(layout: FourBitLayout, scales: Float32Array): Uint8Array {
  const stored = layout.scaleDType === 'f32' ? Float32Array.from(scales) : packHalf(scales, 'f16');
  return new Uint8Array(stored.buffer, stored.byteOffset, stored.byteLength);
}
