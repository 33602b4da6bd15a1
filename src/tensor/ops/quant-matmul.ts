// quantMatmul: y = x·Wᵀ (+ bias) with W a 4-bit QuantTensor, and its input gradient dx = dy·W for
// backpropagating through a frozen quantized weight. Decode rows take the 4-bit matvec. Wider products
// dequantize in registers on GPUs (shaders/quant_matmul.wgsl); CPU adapters dequantize the weight once
// into a scratch f32 tensor and run gemm's register-block product on it, since llvmpipe pays per load.
import { ShapeMismatchError } from '../../errors.js';
import type { Device } from '../../gpu/device.js';
import { adapterKind } from '../../gpu/adapter-kind.js';
import type { Kernel, Overrides } from '../../gpu/kernels.js';
import { grid } from '../../gpu/recorder.js';
import type { QuantChunk, QuantTensor } from '../../quant/quant-tensor.js';
import { DTYPES, floatCode } from '../dtype.js';
import { gemm } from '../gemm.js';
import { assertDType } from '../shape.js';
import { shapeString, Tensor } from '../tensor.js';
import { matmulTile } from './matmul.js';
import { pickQuantMatvec, quantMatvec } from './quant-matvec.js';

/** Up to this many rows of dy read each weight once in shaders/quant_matvec.wgsl 'cols' (dx = dy·W). */
const MATVEC_MAX_M = 8;

/** Wider-than-decode products: 'registers' dequantizes in the product's registers (quant_matmul.wgsl), 'dequantized' into a scratch f32 weight for gemm. */
export type QuantMatmulVariant = 'registers' | 'dequantized';

export interface QuantMatmulOptions {
  /** (N), added to every row. */
  bias?: Tensor;
  /** Default: the adapter's (quantMatmulVariant). */
  variant?: QuantMatmulVariant;
}

function layoutOverrides(w: QuantTensor): Overrides {
  const { layout } = w;
  return { BLOCK: layout.blockSize, SCALE_DTYPE: DTYPES[layout.scaleDType].shaderCode, FIRST_NIBBLE_HIGH: layout.firstNibbleHigh };
}

/** (…,inner) activations against w; returns M and the output shape with `outCols` last. */
function rowsOf(op: string, x: Tensor, w: QuantTensor, inner: number, outCols: number): { M: number; shape: number[] } {
  assertDType(op, 'x', x, ['f32']);
  if (x.shape.length < 1 || x.cols !== inner) {
    throw new ShapeMismatchError(`${op}: x ${shapeString(x.shape)} does not fit the ${w.layout.format} weight ${shapeString(w.shape)} (needs last dimension ${inner})`);
  }
  return { M: x.rows, shape: [...x.shape.slice(0, -1), outCols] };
}

function weightBuffers(w: QuantTensor, wc: QuantChunk): GPUBuffer[] {
  return [wc.codes, wc.scales, w.codebook];
}

/** w as an (N,K) f32 tensor, each 4-bit chunk's rows written into the f32 chunks they overlap. */
export function dequantize(w: QuantTensor): Tensor {
  const [N, K] = w.shape;
  const device = w.device;
  const out = Tensor.empty(device, [N, K]);
  const kernel = device.kernels.get('dequantize', layoutOverrides(w));
  for (const wc of w.chunks) {
    for (const oc of out.chunks) {
      const [r0, r1] = [Math.max(wc.rowStart, oc.rowStart), Math.min(wc.rowStart + wc.rows, oc.rowStart + oc.rows)];
      if (r1 <= r0) continue;
      const count = (r1 - r0) * K;
      const params = [count, (r0 - wc.rowStart) * K, (r0 - oc.rowStart) * K];
      device.recorder.dispatch(kernel, params, [oc.buffer, ...weightBuffers(w, wc)], grid(Math.ceil(count / 64)));
    }
  }
  return out;
}

/** CPU adapters go through a dequantized copy, GPUs dequantize in registers. */
export function quantMatmulVariant(device: Device): QuantMatmulVariant {
  return adapterKind(device.info) === 'cpu' ? 'dequantized' : 'registers';
}

/** x: (…,K) f32, w: (N,K) 4-bit, bias: (N) f32|bf16|f16 → (…,N) f32 */
export function quantMatmul(x: Tensor, w: QuantTensor, options: QuantMatmulOptions = {}): Tensor {
  const [N, K] = w.shape;
  const { M, shape } = rowsOf('quantMatmul', x, w, K, N);
  const { bias } = options;
  if (bias && (bias.shape.length !== 1 || bias.shape[0] !== N)) {
    throw new ShapeMismatchError(`quantMatmul: bias ${shapeString(bias.shape)} does not match N=${N} of weight ${shapeString(w.shape)}`);
  }
  const device = x.device;
  const out = Tensor.empty(device, shape);
  const overrides = { ...layoutOverrides(w), HAS_BIAS: bias !== undefined, BIAS_DTYPE: bias ? floatCode(bias.dtype, 'bias') : 0 };
  const decode = { x, w, out, M, bias, overrides };
  const variant = pickQuantMatvec(decode);
  if (variant) {
    quantMatvec(variant, decode);
    return out;
  }
  if ((options.variant ?? quantMatmulVariant(device)) === 'dequantized') {
    const w32 = dequantize(w);
    gemm({ a: x, b: w32, transB: true, c: out, M, N, K, bias });
    w32.dispose(); // later work is ordered after the product, so the pool may hand it out again at once
    return out;
  }
  const xBuffer = x.buffer;
  for (const wc of w.chunks) {
    const biasBuffer = bias?.buffer ?? xBuffer;
    const tile = matmulTile(device.limits);
    const kernel = device.kernels.get('quant_matmul', { ...overrides, ...tile });
    for (const cc of out.chunks) {
      const params = [cc.rows, wc.rows, K, K, K, cc.rowStart * K, N, wc.rowStart];
      dispatchTiles(device, kernel, tile, params, [xBuffer, ...weightBuffers(w, wc), cc.buffer, biasBuffer]);
    }
  }
  return out;
}

/**
 * Input gradient of `y = x·Wᵀ`: dy: (…,N) f32, w: (N,K) 4-bit → dx: (…,K) f32 = dy·W.
 * Weight chunks split the inner dimension, so every chunk after the first adds into dx.
 */
export function quantMatmulBackwardInput(dy: Tensor, w: QuantTensor, variant = quantMatmulVariant(dy.device)): Tensor {
  const [N, K] = w.shape;
  const { M, shape } = rowsOf('quantMatmulBackwardInput', dy, w, N, K);
  const device = dy.device;
  const dx = Tensor.empty(device, shape);
  if (M > MATVEC_MAX_M && variant === 'dequantized') {
    const w32 = dequantize(w);
    gemm({ a: dy, b: w32, c: dx, M, N: K, K: N });
    w32.dispose();
    return dx;
  }
  const dyBuffer = dy.buffer;
  w.chunks.forEach((wc, i) => {
    const overrides = { ...layoutOverrides(w), ACCUMULATE: i > 0 };
    if (M <= MATVEC_MAX_M && dx.chunks.length === 1) {
      const kernel = device.kernels.get('quant_matvec', { ...overrides, M }, 'cols');
      const params = [wc.rows, K, N, wc.rowStart, K, 0];
      device.recorder.dispatch(kernel, params, [dyBuffer, ...weightBuffers(w, wc), dx.buffer], grid(Math.ceil(K / 256)));
      return;
    }
    const tile = matmulTile(device.limits);
    const kernel = device.kernels.get('quant_matmul', { ...overrides, ...tile, TRANS: true });
    for (const cc of dx.chunks) {
      const params = [cc.rows, K, wc.rows, K, N, cc.rowStart * N + wc.rowStart, K, 0];
      dispatchTiles(device, kernel, tile, params, [dyBuffer, ...weightBuffers(w, wc), cc.buffer, dyBuffer]);
    }
  });
  return dx;
}

/** params start with the dispatch's output (M, N); one workgroup per output tile. */
function dispatchTiles(device: Device, kernel: Kernel, tile: { TM: number; TN: number }, params: number[], buffers: GPUBuffer[]): void {
  const [M, N] = params as [number, number];
  device.recorder.dispatch(kernel, params, buffers, [Math.ceil(N / (16 * tile.TN)), Math.ceil(M / (16 * tile.TM))]);
}
