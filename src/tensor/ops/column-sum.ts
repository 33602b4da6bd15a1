// columnSum: the row reduction shared by backwards — matmul's dBias, RMSNorm's dWeight, a broadcast
// mul's db. Deterministic: fixed-order partial sums per row group, reduced again until one row is left.
import { ShapeMismatchError } from '../../errors.js';
import type { Device } from '../../gpu/device.js';
import { assertDType, assertSameShape } from '../shape.js';
import { shapeString, Tensor } from '../tensor.js';

/** Rows per workgroup, so a (B·T) of a few thousand rows needs at most two passes. */
const ROWS = 256;

export interface ColumnSumOptions {
  /** Same shape as dy: multiplies it elementwise. */
  x?: Tensor;
  /** One f32 per row of width `period` (e.g. RMSNorm's rstd): multiplies that row. */
  rowScale?: Tensor;
  /** Width of the summed rows in elements (default dy's last dim); chunks of dy must start on a row. */
  period?: number;
}

interface Part {
  dy: GPUBuffer;
  x: GPUBuffer;
  rows: number;
  firstRow: number;
}

/** Row-aligned pieces of dy (and x, chunked alike) in rows of `period` elements. */
function parts(dy: Tensor, x: Tensor | undefined, period: number): Part[] {
  const xChunks = x?.chunks;
  return dy.chunks.map((c, k) => {
    const [start, count] = [c.rowStart * dy.cols, c.rows * dy.cols];
    if (start % period !== 0 || count % period !== 0) {
      const fix = 'chunks must hold whole rows (for a broadcast b, whole repeats of b)';
      throw new ShapeMismatchError(`columnSum: a chunk of ${shapeString(dy.shape)} splits a row of ${period} elements; ${fix}`);
    }
    return { dy: c.buffer, x: xChunks?.[k]!.buffer ?? c.buffer, rows: count / period, firstRow: start / period };
  });
}

function dispatchParts(device: Device, list: Part[], cols: number, out: GPUBuffer, scale?: Tensor, hasX = false): void {
  const kernel = device.kernels.get('column_sum', { HAS_X: hasX, HAS_SCALE: scale !== undefined, ROWS });
  let outRow = 0;
  for (const part of list) {
    const groups = Math.ceil(part.rows / ROWS);
    if (groups === 0) continue;
    const buffers = [part.dy, part.x, scale?.buffer ?? part.dy, out];
    device.recorder.dispatch(kernel, [part.rows, cols, part.firstRow, outRow], buffers, [Math.ceil(cols / 64), groups]);
    outRow += groups;
  }
}

/** dy: (…) f32 as (R,P) rows of P = period, x?: like dy f32, rowScale?: (R) f32 → (P) f32 = Σ_r dy·x·rowScale */
export function columnSum(dy: Tensor, opts: ColumnSumOptions = {}): Tensor {
  const { x, rowScale } = opts;
  const period = opts.period ?? dy.cols;
  assertDType('columnSum', 'dy', dy, ['f32']);
  if (x) assertSameShape('columnSum: dy and x', dy, x);
  if (!(period > 0 && dy.size % period === 0)) throw new ShapeMismatchError(`columnSum: ${shapeString(dy.shape)} is not made of rows of ${period}`);
  if (rowScale && rowScale.size !== dy.size / period) {
    throw new ShapeMismatchError(`columnSum: rowScale ${shapeString(rowScale.shape)} needs one value per row of ${period} in ${shapeString(dy.shape)}`);
  }
  const device = dy.device;
  const list = parts(dy, x, period);
  let groups = list.reduce((n, part) => n + Math.ceil(part.rows / ROWS), 0);
  if (groups === 0) return Tensor.from(device, new Float32Array(period), [period]);
  const out = Tensor.empty(device, [period]);
  // Partial sums are scratch, not tensors: a chunked dy makes a group per chunk, and they stay in one binding.
  let sums = groups === 1 ? out.buffer : device.pool.acquire(groups * period * 4);
  dispatchParts(device, list, period, sums, rowScale, x !== undefined);
  while (groups > 1) {
    const next = Math.ceil(groups / ROWS);
    const reduced = next === 1 ? out.buffer : device.pool.acquire(next * period * 4);
    dispatchParts(device, [{ dy: sums, x: sums, rows: groups, firstRow: 0 }], period, reduced);
    // Later work is ordered after these dispatches, so the pool may hand the buffer out again at once.
    device.pool.release(sums);
    [sums, groups] = [reduced, next];
  }
  return out;
}
