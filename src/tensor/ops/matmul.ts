// matmul: C = A·B or A·Bᵀ (+ bias), batched; B may be f32, bf16 or f16 and may be chunked along N.
import { ShapeMismatchError } from '../../errors.js';
import { grid } from '../../gpu/recorder.js';
import { floatCode } from '../dtype.js';
import { assertDType, assertRank } from '../shape.js';
import { shapeString, Tensor } from '../tensor.js';

export interface MatmulOptions {
  /** B is stored (N,K), as nn.Linear weights are. */
  transB?: boolean;
  /** (N), added to every row. */
  bias?: Tensor;
}

/** Up to this many rows (decode batches) read each weight once in shaders/matvec.wgsl instead of a mostly empty 128-row tile. */
const MATVEC_MAX_M = 8;

/** Register block per thread: 8×8 (a 128×128 tile, 16 KiB of workgroup memory) wherever the limits allow. */
export function matmulTile(limits: GPUSupportedLimits): { TM: number; TN: number } {
  const bytes = (tm: number, tn: number) => 16 * 16 * (tm + tn) * 4;
  for (const [TM, TN] of [[8, 8], [8, 4], [4, 4]] as const) {
    if (bytes(TM, TN) <= limits.maxComputeWorkgroupStorageSize && limits.maxComputeInvocationsPerWorkgroup >= 256) return { TM, TN };
  }
  return { TM: 2, TN: 2 };
}

interface Dims {
  batch: number;
  M: number;
  K: number;
  N: number;
  bBatched: boolean;
}

function matmulDims(a: Tensor, b: Tensor, transB: boolean, bias?: Tensor): Dims {
  assertRank('matmul', 'A', a, [2, 3]);
  assertRank('matmul', 'B', b, [2, 3]);
  assertDType('matmul', 'A', a, ['f32']);
  floatCode(b.dtype, `matmul: B ${shapeString(b.shape)}`);
  const [batch, M, K] = a.shape.length === 3 ? (a.shape as [number, number, number]) : [1, a.shape[0]!, a.shape[1]!];
  const bBatched = b.shape.length === 3;
  const [bk, bn] = transB ? [b.shape.at(-1)!, b.shape.at(-2)!] : [b.shape.at(-2)!, b.shape.at(-1)!];
  const what = `A ${shapeString(a.shape)} · B${transB ? 'ᵀ' : ''} ${shapeString(b.shape)}`;
  if (bk !== K) throw new ShapeMismatchError(`matmul: inner dimensions differ in ${what}`);
  if (bBatched && b.shape[0] !== batch) throw new ShapeMismatchError(`matmul: batch sizes differ in ${what}`);
  if (bias && (bias.shape.length !== 1 || bias.shape[0] !== bn)) {
    throw new ShapeMismatchError(`matmul: bias ${shapeString(bias.shape)} does not match N=${bn} of ${what}`);
  }
  if (b.chunks.length > 1 && (!transB || bBatched)) {
    throw new ShapeMismatchError(`matmul: a chunked B ${shapeString(b.shape)} is supported only as a 2-D (N,K) weight with transB`);
  }
  if (batch > 1 && a.chunks.length > 1) throw new ShapeMismatchError(`matmul: batched A ${shapeString(a.shape)} must fit one binding`);
  return { batch, M, K, N: bn, bBatched };
}

/** a: (B?,M,K) f32, b: (B?,K,N) or (B?,N,K) with transB → (B?,M,N) f32 */
export function matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  const transB = options.transB ?? false;
  const { bias } = options;
  const d = matmulDims(a, b, transB, bias);
  const device = a.device;
  const out = Tensor.empty(device, a.shape.length === 3 ? [d.batch, d.M, d.N] : [d.M, d.N]);
  const overrides = {
    B_DTYPE: floatCode(b.dtype, 'B'),
    HAS_BIAS: bias !== undefined,
    BIAS_DTYPE: bias ? floatCode(bias.dtype, 'bias') : 0,
  };
  const aBuffer = a.buffer;
  for (const bc of b.chunks) {
    const biasBuffer = bias?.buffer ?? bc.buffer;
    // Only a transposed B is chunked, along N: each chunk fills columns [rowStart, rowStart+rows).
    const n = b.chunks.length > 1 ? bc.rows : d.N;
    if (d.M <= MATVEC_MAX_M && d.batch === 1 && out.chunks.length === 1) {
      const kernel = device.kernels.get('matvec', { ...overrides, M: d.M }, transB ? 'rowsOfB' : 'colsOfB');
      const groups = transB ? Math.ceil(n / 8) : Math.ceil(n / 256);
      device.recorder.dispatch(kernel, [n, d.K, bc.rowStart, d.N], [aBuffer, bc.buffer, biasBuffer, out.buffer], grid(groups));
      continue;
    }
    const tile = matmulTile(device.limits);
    const kernel = device.kernels.get('matmul', { ...overrides, ...tile, TRANS_B: transB });
    for (const cc of out.chunks) {
      const M = d.batch > 1 ? d.M : cc.rows;
      const params = [M, n, d.K, d.M * d.K, d.bBatched ? d.K * d.N : 0, d.M * d.N, cc.rowStart, bc.rowStart, d.N];
      const groups: [number, number, number] = [Math.ceil(n / (16 * tile.TN)), Math.ceil(M / (16 * tile.TM)), d.batch];
      device.recorder.dispatch(kernel, params, [aBuffer, bc.buffer, biasBuffer, cc.buffer], groups);
    }
  }
  return out;
}
