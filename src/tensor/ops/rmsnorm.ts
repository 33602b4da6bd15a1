// RMSNorm as Qwen computes it, in f32: y = w · (x · rsqrt(mean(x²) + eps)), over the last dim.
// The per-row rstd is saved for the backward, which lives below the forward.
import { ShapeMismatchError } from '../../errors.js';
import { adapterKind } from '../../gpu/adapter-kind.js';
import type { Device } from '../../gpu/device.js';
import { f32Bits, grid } from '../../gpu/recorder.js';
import { FLOAT_DTYPES, floatCode } from '../dtype.js';
import { assertDType, assertRank, assertSameShape } from '../shape.js';
import { shapeString, Tensor } from '../tensor.js';
import { columnSum } from './column-sum.js';

function checkOperands(op: string, x: Tensor, weight: Tensor): void {
  assertDType(op, 'x', x, ['f32']);
  assertDType(op, 'weight', weight, FLOAT_DTYPES);
  assertRank(op, 'x', x, [1, 2, 3, 4]);
  if (weight.shape.length !== 1 || weight.shape[0] !== x.cols) {
    throw new ShapeMismatchError(`${op}: weight ${shapeString(weight.shape)} does not match the last dim of x ${shapeString(x.shape)}`);
  }
}

/**
 * 'workgroup' = the shaders' main (a workgroup per row, a tree sum: the GPU shape); 'rows' = their
 * rows entry (an invocation per row, no barriers: CPU adapters).
 */
export type NormVariant = 'workgroup' | 'rows';

/** Rows per workgroup of the rows entry. */
const ROWS_WG = 64;

export function normVariant(device: Device): NormVariant {
  return adapterKind(device.info) === 'cpu' ? 'rows' : 'workgroup';
}

function entryOf(variant: NormVariant, rows: number): { entry: string; groups: [number, number] } {
  return variant === 'rows' ? { entry: 'rows', groups: grid(Math.ceil(rows / ROWS_WG)) } : { entry: 'main', groups: grid(rows) };
}

export interface RmsNormResult {
  /** Same shape as x. */
  y: Tensor;
  /** 1/sqrt(mean(x²) + eps) per row: x's shape without its last dim. */
  rstd: Tensor;
}

/**
 * x: (B,T,C) f32, weight: (C) f32|bf16|f16 → y: (B,T,C) f32, rstd: (B,T) f32
 * Any leading dims: Qwen3's q_norm/k_norm pass x (T,H,D) with weight (D) for one norm per head.
 */
export function rmsNorm(x: Tensor, weight: Tensor, eps = 1e-6, variant = normVariant(x.device)): RmsNormResult {
  checkOperands('rmsNorm', x, weight);
  const wBuffer = weight.buffer;
  const device = x.device;
  const overrides = { W_DTYPE: floatCode(weight.dtype, 'rmsNorm: weight') };
  const rstd = Tensor.empty(device, x.shape.slice(0, -1));
  const y = Tensor.empty(device, x.shape);
  if (x.size === 0) return { y, rstd };
  const rstdBuffer = rstd.buffer;
  x.chunks.forEach((c, k) => {
    const params = [c.rows, x.cols, c.rowStart, f32Bits(eps)];
    const { entry, groups } = entryOf(variant, c.rows);
    device.recorder.dispatch(device.kernels.get('rmsnorm', overrides, entry), params, [c.buffer, wBuffer, y.chunks[k]!.buffer, rstdBuffer], groups);
  });
  return { y, rstd };
}

export interface RmsNormGrads {
  /** Shape of x. */
  dx: Tensor;
  /** (C) f32 = Σ_rows dy·x·rstd; computed when asked for (default: when the weight is f32). */
  dWeight?: Tensor;
}

/**
 * Undoes `y = w · (x · rsqrt(mean(x²) + eps))` with the forward's rstd r:
 *   dx = r·w·dy − x·r³/C·Σ_c(w·dy·x), dWeight = Σ_rows dy·x·r.
 * dy: (B,T,C) f32, x: (B,T,C) f32, weight: (C) f32|bf16|f16, rstd: (B,T) f32 → dx: (B,T,C) f32, dWeight: (C) f32
 */
export function rmsNormBackward(dy: Tensor, x: Tensor, weight: Tensor, rstd: Tensor, opts: { weightGrad?: boolean; variant?: NormVariant } = {}): RmsNormGrads {
  checkOperands('rmsNormBackward', x, weight);
  assertSameShape('rmsNormBackward: dy and x', dy, x);
  assertDType('rmsNormBackward', 'dy', dy, ['f32']);
  assertDType('rmsNormBackward', 'rstd', rstd, ['f32']);
  if (rstd.size !== x.rows) throw new ShapeMismatchError(`rmsNormBackward: rstd ${shapeString(rstd.shape)} must hold one value per row of x ${shapeString(x.shape)}`);
  const device = x.device;
  const overrides = { W_DTYPE: floatCode(weight.dtype, 'rmsNormBackward: weight') };
  const dx = Tensor.empty(device, x.shape);
  if (x.size > 0) {
    const [wBuffer, rstdBuffer, dyChunks, dxChunks] = [weight.buffer, rstd.buffer, dy.chunks, dx.chunks];
    x.chunks.forEach((c, k) => {
      const buffers = [dyChunks[k]!.buffer, c.buffer, wBuffer, rstdBuffer, dxChunks[k]!.buffer];
      const { entry, groups } = entryOf(opts.variant ?? normVariant(device), c.rows);
      device.recorder.dispatch(device.kernels.get('rmsnorm_backward', overrides, entry), [c.rows, x.cols, c.rowStart], buffers, groups);
    });
  }
  const wantW = opts.weightGrad ?? weight.dtype === 'f32';
  return wantW ? { dx, dWeight: columnSum(dy, { x, rowScale: rstd }) } : { dx };
}
