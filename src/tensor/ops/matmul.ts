// matmul: C = A·B or A·Bᵀ (+ bias), batched; B may be f32, bf16 or f16 and may be chunked by rows.
// The backward lives below the forward: dA and dB are products of the same tiled kernel with
// transposed operands read in place (TRANS_A/TRANS_B), dBias a column sum of dC.
import { ShapeMismatchError } from '../../errors.js';
import { floatCode } from '../dtype.js';
import { gemm, matmulVariant, type GemmSpec } from '../gemm.js';
import { assertDType, assertRank, assertSameShape } from '../shape.js';
import { shapeString, Tensor } from '../tensor.js';
import { columnSum } from './column-sum.js';
import { addConsuming } from './elementwise.js';
import { matvec, pickMatvec } from './matvec.js';
import { siluMul } from './silu-mul.js';

export { matmulTile } from '../gemm.js';

export interface MatmulOptions {
  /** B is stored (N,K), as nn.Linear weights are. */
  transB?: boolean;
  /** (N), added to every row. */
  bias?: Tensor;
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
  if (batch > 1 && (a.chunks.length > 1 || b.chunks.length > 1)) {
    throw new ShapeMismatchError(`matmul: batched ${what} must fit one binding each`);
  }
  return { batch, M, K, N: bn, bBatched };
}

/** Batch strides of C = A·op(B), or undefined for a single product. */
function batchOf(d: Dims, cStride: number) {
  return d.batch > 1 ? { count: d.batch, a: d.M * d.K, b: d.bBatched ? d.K * d.N : 0, c: cStride } : undefined;
}

/** a: (B?,M,K) f32, b: (B?,K,N) or (B?,N,K) with transB → (B?,M,N) f32 */
export function matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  const transB = options.transB ?? false;
  const { bias } = options;
  const d = matmulDims(a, b, transB, bias);
  const device = a.device;
  const out = Tensor.empty(device, a.shape.length === 3 ? [d.batch, d.M, d.N] : [d.M, d.N]);
  const product = { a, b, out, M: d.M, K: d.K, N: d.N, transB, bias };
  const variant = d.batch === 1 ? pickMatvec(product) : undefined;
  if (variant) matvec(variant, product);
  else gemm({ a, b, transB, c: out, M: d.M, N: d.N, K: d.K, batch: batchOf(d, d.M * d.N), bias });
  return out;
}

/**
 * base + a·op(b) (+ bias), consuming base: a decode product adds in its own dispatch, and so does
 * the tiled kernel wherever the adapter would pick it anyway; elsewhere (the CPU adapters' wide
 * kernel, which cannot add into c) a product and an add. The result may be base itself.
 */
export function matmulAdd(base: Tensor, a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  const transB = options.transB ?? false;
  const d = matmulDims(a, b, transB, options.bias);
  assertDType('matmulAdd', 'base', base, ['f32']);
  const shape = a.shape.length === 3 ? [d.batch, d.M, d.N] : [d.M, d.N];
  if (base.shape.length !== shape.length || base.shape.some((x, i) => x !== shape[i])) {
    throw new ShapeMismatchError(`matmulAdd: base ${shapeString(base.shape)} must be ${shapeString(shape)} for A ${shapeString(a.shape)} · B ${shapeString(b.shape)}`);
  }
  const product = { a, b, out: base, M: d.M, K: d.K, N: d.N, transB, bias: options.bias, accumulate: true };
  const variant = d.batch === 1 ? pickMatvec(product) : undefined;
  if (variant) {
    matvec(variant, product);
    return base;
  }
  const info = a.device.info;
  if (matmulVariant(info, d.M, d.N, true) === matmulVariant(info, d.M, d.N, false)) {
    gemm({ a, b, transB, c: base, M: d.M, N: d.N, K: d.K, batch: batchOf(d, d.M * d.N), bias: options.bias, accumulate: true });
    return base;
  }
  return addConsuming(base, matmul(a, b, options));
}

/**
 * SwiGLU's gated product silu(a·gateᵀ)·(a·upᵀ), gate and up stored (N,K) alike: one decode
 * dispatch where the adapter's decode product can read both weights, else two products and siluMul.
 */
export function gatedMatmul(a: Tensor, gate: Tensor, up: Tensor): Tensor {
  const d = matmulDims(a, gate, true);
  if (up.shape.length !== gate.shape.length || up.shape.some((x, i) => x !== gate.shape[i])) {
    throw new ShapeMismatchError(`gatedMatmul: up ${shapeString(up.shape)} must match gate ${shapeString(gate.shape)}`);
  }
  const out = Tensor.empty(a.device, a.shape.length === 3 ? [d.batch, d.M, d.N] : [d.M, d.N]);
  const product = { a, b: gate, up, out, M: d.M, K: d.K, N: d.N, transB: true };
  const variant = d.batch === 1 ? pickMatvec(product) : undefined;
  if (variant) {
    matvec(variant, product);
    return out;
  }
  out.dispose();
  const g = matmul(a, gate, { transB: true });
  const u = matmul(a, up, { transB: true });
  const act = siluMul(g, u);
  g.dispose();
  u.dispose();
  return act;
}

export interface MatmulBackwardOptions {
  /** As in the forward. */
  transB?: boolean;
  /** Compute dA (default true). */
  inputGrad?: boolean;
  /** Compute dB (default: when B is f32; a frozen bf16/f16 weight needs none). */
  weightGrad?: boolean;
  /** Compute dBias, the forward having had a bias (default false). */
  biasGrad?: boolean;
  /** Add the gradients into these tensors (gradient accumulation, a shared input) instead of allocating. */
  into?: { dA?: Tensor; dB?: Tensor };
}

export interface MatmulGrads {
  /** Shape of a. */
  dA?: Tensor;
  /** Shape of b, f32. */
  dB?: Tensor;
  /** (N) f32 */
  dBias?: Tensor;
}

function gradTarget(op: string, into: Tensor | undefined, like: Tensor): Tensor {
  if (!into) return Tensor.empty(like.device, like.shape);
  assertDType(op, 'into', into, ['f32']);
  assertSameShape(op, into, like);
  return into;
}

/**
 * Undoes `out = A·B (+ bias)` / `A·Bᵀ (+ bias)`:
 *   dA = dC·Bᵀ (dC·B with transB), dB = Aᵀ·dC (dCᵀ·A with transB), dBias = Σ_rows dC.
 * dC: (B?,M,N) f32, a: (B?,M,K) f32, b: (B?,K,N) or (B?,N,K) with transB → dA: like a, dB: like b f32, dBias: (N) f32.
 * A B shared by a batched A gets the sum over the batch.
 */
export function matmulBackward(dC: Tensor, a: Tensor, b: Tensor, options: MatmulBackwardOptions = {}): MatmulGrads {
  const transB = options.transB ?? false;
  const d = matmulDims(a, b, transB);
  assertDType('matmulBackward', 'dC', dC, ['f32']);
  const expected = a.shape.length === 3 ? [d.batch, d.M, d.N] : [d.M, d.N];
  if (dC.shape.length !== expected.length || dC.shape.some((x, i) => x !== expected[i])) {
    const operands = `A ${shapeString(a.shape)} · B ${shapeString(b.shape)}`;
    throw new ShapeMismatchError(`matmulBackward: dC ${shapeString(dC.shape)} must be ${shapeString(expected)} for ${operands}`);
  }
  const grads: MatmulGrads = {};
  if (options.inputGrad ?? true) {
    const dA = gradTarget('matmulBackward: dA', options.into?.dA, a);
    // dC (M,N) times B read the other way round: Bᵀ when B is (K,N), B itself when it is stored (N,K).
    const batch = batchOf({ ...d, K: d.N, N: d.K }, d.M * d.K);
    gemm({ a: dC, b, transB: !transB, c: dA, M: d.M, N: d.K, K: d.N, batch, accumulate: options.into?.dA !== undefined });
    grads.dA = dA;
  }
  if (options.weightGrad ?? b.dtype === 'f32') grads.dB = weightGrad(dC, a, b, d, transB, options.into?.dB);
  if (options.biasGrad) grads.dBias = columnSum(dC);
  return grads;
}

/** dB = Aᵀ·dC (or dCᵀ·A), per batch for a batched B, else summed over the batch by treating it as more rows. */
function weightGrad(dC: Tensor, a: Tensor, b: Tensor, d: Dims, transB: boolean, into?: Tensor): Tensor {
  const dB = gradTarget('matmulBackward: dB', into, b);
  const rows = d.bBatched ? d.M : d.batch * d.M;
  const a2 = d.bBatched ? a : a.reshape([rows, d.K]);
  const dC2 = d.bBatched ? dC : dC.reshape([rows, d.N]);
  const batch = d.bBatched && d.batch > 1 ? { count: d.batch, a: d.M * d.K, b: d.M * d.N, c: d.K * d.N } : undefined;
  const spec: GemmSpec = transB
    ? { a: dC2, transA: true, b: a2, c: dB, M: d.N, N: d.K, K: rows, batch: batch && { ...batch, a: batch.b, b: batch.a } }
    : { a: a2, transA: true, b: dC2, c: dB, M: d.K, N: d.N, K: rows, batch };
  gemm({ ...spec, accumulate: into !== undefined });
  if (!d.bBatched) {
    a2.dispose();
    dC2.dispose();
  }
  return dB;
}
