// Products against the CPU reference on fresh random inputs, on the device a test file passes: the
// same checks run on llvmpipe (tests/ops) and on SwiftShader's Vulkan (tests/vulkan).
import { expect } from 'vitest';
import { matmulRef } from '../../src/cpu/matmul.js';
import { quantMatmulBackwardInputRef, quantMatmulRef } from '../../src/cpu/quant-matmul.js';
import type { Device } from '../../src/gpu/device.js';
import { siluMulRef } from '../../src/cpu/silu-mul.js';
import { quantizeWeight, uploadQuantWeight, type QuantizeSpec } from '../../src/quant/quantize.js';
import { DTYPES } from '../../src/tensor/dtype.js';
import { gemm, type MatmulVariant } from '../../src/tensor/gemm.js';
import { roundTo } from '../../src/tensor/half.js';
import { matmul } from '../../src/tensor/ops/matmul.js';
import { matvec, matvecFits, type MatvecArgs, type MatvecVariant } from '../../src/tensor/ops/matvec.js';
import { quantMatmul, quantMatmulBackwardInput, type QuantMatmulVariant } from '../../src/tensor/ops/quant-matmul.js';
import { quantMatvec, quantMatvecFits, type QuantMatvecArgs, type QuantMatvecVariant } from '../../src/tensor/ops/quant-matvec.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { freshRng, relError } from './gpu.js';

type Float = 'f32' | 'bf16' | 'f16';

export interface MatmulOptions {
  transB?: boolean;
  dtype?: Float;
  bias?: boolean;
  batch?: number;
  bBatched?: boolean;
}

/** matmul (the kernel it picks) within 1e-5 of the reference on the weights rounded to their dtype; returns the error. */
export async function checkMatmul(device: Device, M: number, K: number, N: number, opts: MatmulOptions = {}): Promise<number> {
  const { rng, seed } = freshRng();
  const batch = opts.batch ?? 1;
  const dtype = opts.dtype ?? 'f32';
  const aV = rng.normals(batch * M * K);
  const bCount = (opts.bBatched ? batch : 1) * K * N;
  const bV = rng.normals(bCount);
  const biasV = opts.bias ? rng.normals(N) : undefined;
  const aShape = batch > 1 ? [batch, M, K] : [M, K];
  const bDims = opts.transB ? [N, K] : [K, N];
  const a = Tensor.from(device, aV, aShape);
  const b = Tensor.from(device, bV, opts.bBatched ? [batch, ...bDims] : bDims, dtype);
  const bias = biasV && Tensor.from(device, biasV, [N]);
  const c = matmul(a, b, { transB: opts.transB, bias });
  const got = await c.read();
  const bSeen = dtype === 'f32' ? bV : roundTo(bV, dtype);
  const ref = matmulRef(aV, bSeen, { batch, M, K, N, transB: opts.transB, bBatched: opts.bBatched }, biasV);
  const err = relError(got, ref);
  expect(err, `seed ${seed} ${M}x${K}x${N} ${JSON.stringify(opts)}`).toBeLessThan(1e-5);
  for (const t of [a, b, c, bias]) t?.dispose();
  return err;
}

export interface GemmCase {
  M: number;
  K: number;
  N: number;
  transA?: boolean;
  transB?: boolean;
  dtype?: 'f32' | 'bf16';
  bias?: boolean;
  accumulate?: boolean;
  batch?: number;
}

/** (rows, cols) row-major → (cols, rows). */
function transpose(x: Float32Array, rows: number, cols: number, batch = 1): Float32Array {
  const out = new Float32Array(x.length);
  for (let z = 0; z < batch; z++) for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[z * rows * cols + c * rows + r] = x[z * rows * cols + r * cols + c]!;
  return out;
}

/** Relative error of gemm with the given kernel against the f64 reference, on fresh random inputs. */
export async function gemmVariantError(device: Device, variant: MatmulVariant, c: GemmCase): Promise<number> {
  const { rng, seed } = freshRng();
  const { M, K, N } = c;
  const batch = c.batch ?? 1;
  const dtype = c.dtype ?? 'f32';
  const aV = rng.normals(batch * M * K);  // (M,K) per batch, the reference's layout
  const bV = rng.normals(K * N);          // (K,N), or (N,K) with transB
  const biasV = c.bias ? rng.normals(N) : undefined;
  const cV = rng.normals(batch * M * N);
  const a = Tensor.from(device, c.transA ? transpose(aV, M, K, batch) : aV, [batch * (c.transA ? K : M), c.transA ? M : K]);
  const b = Tensor.from(device, bV, c.transB ? [N, K] : [K, N], dtype);
  const bias = biasV && Tensor.from(device, biasV, [N]);
  const out = Tensor.from(device, c.accumulate ? cV : new Float32Array(batch * M * N), [batch * M, N]);
  const strides = batch > 1 ? { batch: { count: batch, a: M * K, b: 0, c: M * N } } : {};
  gemm({ a, transA: c.transA, b, transB: c.transB, c: out, M, N, K, bias, accumulate: c.accumulate, variant, ...strides });
  const got = await out.read();
  const ref = matmulRef(aV, dtype === 'f32' ? bV : roundTo(bV, dtype), { batch, M, K, N, transB: c.transB }, biasV);
  if (c.accumulate) ref.forEach((x, i) => (ref[i] = x + cV[i]!));
  for (const t of [a, b, bias, out]) t?.dispose();
  const err = relError(got, ref);
  console.log(`${variant} ${JSON.stringify(c)} seed ${seed}: relative error ${err.toExponential(2)}`);
  return err;
}

/** ‖gpu − ref‖/‖ref‖ of `variant` on a (M,K)·(N,K)ᵀ (+ bias) product, the weights rounded to their dtype in the reference. */
export async function matvecVariantError(device: Device, variant: MatvecVariant, M: number, K: number, N: number, dtype: Float, withBias: boolean, cols?: number): Promise<number> {
  const { rng, seed } = freshRng();
  const [aV, bV, biasV] = [rng.normals(M * K), rng.normals(N * K), withBias ? rng.normals(N) : undefined];
  const a = Tensor.from(device, aV, [M, K]);
  const b = Tensor.from(device, bV, [N, K], dtype);
  const bias = biasV && Tensor.from(device, biasV, [N], 'bf16');
  const out = Tensor.empty(device, [M, N]);
  const args: MatvecArgs = { a, b, out, M, K, N, transB: true, bias, cols };
  expect(matvecFits(variant, args), `${variant} takes ${M}×${K}·(${N}×${K})ᵀ ${dtype}`).toBe(true);
  matvec(variant, args);
  const ref = matmulRef(aV, dtype === 'f32' ? bV : roundTo(bV, dtype), { M, K, N, transB: true }, biasV && roundTo(biasV, 'bf16'));
  const err = relError(await out.read(), ref);
  console.log(`${variant}${cols ? ` cols ${cols}` : ''} ${dtype} M=${M} K=${K} N=${N}${withBias ? ' +bias' : ''}: rel error ${err.toExponential(2)} (seed ${seed})`);
  for (const t of [a, b, out, bias]) t?.dispose();
  return err;
}

export interface FusedMatvecCase {
  M: number;
  K: number;
  N: number;
  dtype: Float;
  /** accumulate: out = base + a·bᵀ (+ bias); gated: out = silu(a·bᵀ)·(a·upᵀ). */
  fuse: 'accumulate' | 'gated';
  bias?: boolean;
  cols?: number;
  /** Another device than the test file's (a small binding limit). */
  dev?: Device;
}

/** ‖gpu − ref‖/‖ref‖ of `variant`'s residual-add or gated product. */
export async function fusedMatvecError(device: Device, variant: MatvecVariant, c: FusedMatvecCase): Promise<number> {
  const dev = c.dev ?? device;
  const { rng, seed } = freshRng();
  const { M, K, N, dtype } = c;
  const [aV, bV, baseV] = [rng.normals(M * K), rng.normals(N * K), rng.normals(M * N)];
  const upV = c.fuse === 'gated' ? rng.normals(N * K) : undefined;
  const biasV = c.bias ? rng.normals(N) : undefined;
  const a = Tensor.from(dev, aV, [M, K]);
  const b = Tensor.from(dev, bV, [N, K], dtype);
  const up = upV && Tensor.from(dev, upV, [N, K], dtype);
  const bias = biasV && Tensor.from(dev, biasV, [N]);
  const out = c.fuse === 'accumulate' ? Tensor.from(dev, baseV, [M, N]) : Tensor.empty(dev, [M, N]);
  const args: MatvecArgs = { a, b, out, M, K, N, transB: true, bias, cols: c.cols, accumulate: c.fuse === 'accumulate', up };
  expect(matvecFits(variant, args), `${variant} takes the ${c.fuse} ${M}×${K}·(${N}×${K})ᵀ ${dtype}`).toBe(true);
  matvec(variant, args);
  const round = (v: Float32Array) => (dtype === 'f32' ? v : roundTo(v, dtype));
  const product = (w: Float32Array, withBias?: Float32Array) => matmulRef(aV, round(w), { M, K, N, transB: true }, withBias);
  const ref = upV ? siluMulRef(product(bV), product(upV)) : product(bV, biasV).map((x, i) => x + baseV[i]!);
  const err = relError(await out.read(), ref);
  console.log(`${variant} ${c.fuse}${c.cols ? ` cols ${c.cols}` : ''} ${dtype} M=${M} K=${K} N=${N}${c.bias ? ' +bias' : ''}: rel error ${err.toExponential(2)} (seed ${seed})`);
  for (const t of [a, b, up, bias, out]) t?.dispose();
  return err;
}

export interface QuantMatvecCase {
  M: number;
  N: number;
  K: number;
  spec: QuantizeSpec;
  bias?: boolean;
  /** Another device than the test file's (a small binding limit). */
  dev?: Device;
  minChunks?: number;
  cols?: number;
}

/** ‖gpu − ref‖/‖ref‖ of the 4-bit `variant` against the reference of the same dequantized weights. */
export async function quantMatvecVariantError(device: Device, variant: QuantMatvecVariant, c: QuantMatvecCase): Promise<number> {
  const dev = c.dev ?? device;
  const { rng, seed } = freshRng();
  const host = quantizeWeight(rng.normals(c.N * c.K), [c.N, c.K], c.spec);
  const w = uploadQuantWeight(dev, host);
  expect(w.chunks.length).toBeGreaterThanOrEqual(c.minChunks ?? 1);
  const [xV, biasV] = [rng.normals(c.M * c.K), c.bias ? rng.normals(c.N) : undefined];
  const x = Tensor.from(dev, xV, [c.M, c.K]);
  const bias = biasV && Tensor.from(dev, biasV, [c.N]);
  const out = Tensor.empty(dev, [c.M, c.N]);
  const { layout } = w;
  const overrides = { BLOCK: layout.blockSize, SCALE_DTYPE: DTYPES[layout.scaleDType].shaderCode, FIRST_NIBBLE_HIGH: layout.firstNibbleHigh, HAS_BIAS: !!bias, BIAS_DTYPE: 0 };
  const args: QuantMatvecArgs = { x, w, out, M: c.M, bias, overrides, cols: c.cols };
  expect(quantMatvecFits(variant, args)).toBe(true);
  quantMatvec(variant, args);
  const err = relError(await out.read(), quantMatmulRef(xV, host, biasV));
  const what = `${variant}${c.cols ? ` cols ${c.cols}` : ''} ${layout.format}/${layout.blockSize} M=${c.M} N=${c.N} K=${c.K}${c.bias ? ' +bias' : ''}${w.chunks.length > 1 ? ` ${w.chunks.length} chunks` : ''}`;
  console.log(`${what}: rel error ${err.toExponential(2)} (seed ${seed})`);
  for (const t of [x, out, bias, w]) t?.dispose();
  return err;
}

/** The 4-bit product the model's layers run (quantMatmul: tiled, or the adapter's decode variant) and its input gradient within 1e-4 of the dequantized reference. */
export async function checkQuantMatmul(device: Device, M: number, N: number, K: number, spec: QuantizeSpec, opts: { bias?: boolean; dev?: Device; minChunks?: number; forwardOnly?: boolean; variant?: QuantMatmulVariant } = {}): Promise<number> {
  const dev = opts.dev ?? device;
  const { rng, seed } = freshRng();
  const host = quantizeWeight(rng.normals(N * K), [N, K], spec);
  const w = uploadQuantWeight(dev, host);
  if (opts.minChunks) expect(w.chunks.length).toBeGreaterThanOrEqual(opts.minChunks);
  const xV = rng.normals(M * K);
  const dyV = rng.normals(M * N);
  const biasV = opts.bias ? rng.normals(N) : undefined;
  const x = Tensor.from(dev, xV, [M, K]);
  const dy = Tensor.from(dev, dyV, [M, N]);
  const bias = biasV && Tensor.from(dev, biasV, [N]);
  const y = quantMatmul(x, w, { bias, variant: opts.variant });
  const dx = opts.forwardOnly ? dy : quantMatmulBackwardInput(dy, w, opts.variant);
  const what = `seed ${seed} ${spec.format}/${host.layout.blockSize} M=${M} N=${N} K=${K} ${opts.variant ?? 'default'}`;
  const errY = relError(await y.read(), quantMatmulRef(xV, host, biasV));
  const errDx = opts.forwardOnly ? 0 : relError(await dx.read(), quantMatmulBackwardInputRef(dyV, host));
  console.log(`quantMatmul ${what}: rel error y ${errY.toExponential(2)}, dx ${errDx.toExponential(2)}`);
  expect(errY, `y ${what}`).toBeLessThan(1e-4);
  expect(errDx, `dx ${what}`).toBeLessThan(1e-4);
  for (const t of new Set([x, dy, y, dx, bias, w])) t?.dispose();
  return Math.max(errY, errDx);
}
