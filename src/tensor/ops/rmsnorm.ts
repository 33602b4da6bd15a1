// RMSNorm as Qwen computes it, in f32: y = w · (x · rsqrt(mean(x²) + eps)), over the last dim.
// The per-row rstd is saved for the backward.
import { ShapeMismatchError } from '../../errors.js';
import { f32Bits, grid } from '../../gpu/recorder.js';
import { FLOAT_DTYPES, floatCode } from '../dtype.js';
import { assertDType, assertRank } from '../shape.js';
import { shapeString, Tensor } from '../tensor.js';

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
export function rmsNorm(x: Tensor, weight: Tensor, eps = 1e-6): RmsNormResult {
  assertDType('rmsNorm', 'x', x, ['f32']);
  assertDType('rmsNorm', 'weight', weight, FLOAT_DTYPES);
  assertRank('rmsNorm', 'x', x, [1, 2, 3, 4]);
  if (weight.shape.length !== 1 || weight.shape[0] !== x.cols) {
    throw new ShapeMismatchError(`rmsNorm: weight ${shapeString(weight.shape)} does not match the last dim of x ${shapeString(x.shape)}`);
  }
  const wBuffer = weight.buffer;
  const device = x.device;
  const kernel = device.kernels.get('rmsnorm', { W_DTYPE: floatCode(weight.dtype, 'rmsNorm: weight') });
  const rstd = Tensor.empty(device, x.shape.slice(0, -1));
  const y = Tensor.empty(device, x.shape);
  if (x.size === 0) return { y, rstd };
  const rstdBuffer = rstd.buffer;
  x.chunks.forEach((c, k) => {
    const params = [c.rows, x.cols, c.rowStart, f32Bits(eps)];
    device.recorder.dispatch(kernel, params, [c.buffer, wBuffer, y.chunks[k]!.buffer, rstdBuffer], grid(c.rows));
  });
  return { y, rstd };
}
