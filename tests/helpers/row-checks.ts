// Row-wise ops (norms, rope, cross-entropy, sampling) against the CPU reference on fresh random
// inputs, on the device a test file passes: the same checks run on llvmpipe (tests/ops) and on
// SwiftShader's Vulkan (tests/vulkan).
import { expect } from 'vitest';
import { crossEntropyRef, meanLossRef } from '../../src/cpu/cross-entropy.js';
import type { Rng } from '../../src/cpu/random.js';
import { rmsNormRef } from '../../src/cpu/rmsnorm.js';
import { ropeRef } from '../../src/cpu/rope.js';
import { writeKvRef } from '../../src/cpu/kv-cache.js';
import { drawIndex, drawUniform, keptWeights, type SamplingParams } from '../../src/cpu/sample.js';
import type { Device } from '../../src/gpu/device.js';
import { roundTo } from '../../src/tensor/half.js';
import { crossEntropy, IGNORE_INDEX, meanLoss } from '../../src/tensor/ops/cross-entropy.js';
import { rmsNorm, type NormVariant } from '../../src/tensor/ops/rmsnorm.js';
import { applyRope, normRope, normRopeIntoCache, type RopeOptions } from '../../src/tensor/ops/rope.js';
import { sample } from '../../src/tensor/ops/sample.js';
import { shapeString, Tensor, type Shape } from '../../src/tensor/tensor.js';
import { freshRng, relError } from './gpu.js';

/** rmsNorm's y and rstd within 1e-5 of the reference on the weights rounded to their dtype. */
export async function checkRmsNorm(dev: Device, shape: Shape, dtype: 'f32' | 'bf16' | 'f16' = 'f32', eps = 1e-6, variant?: NormVariant) {
  const { rng, seed } = freshRng();
  const n = shape.at(-1)!;
  const xV = rng.normals(shape.reduce((a, b) => a * b, 1), 2);
  const wV = rng.normals(n);
  const x = Tensor.from(dev, xV, shape);
  const w = Tensor.from(dev, wV, [n], dtype);
  const { y, rstd } = rmsNorm(x, w, eps, variant);
  const ref = rmsNormRef(xV, dtype === 'f32' ? wV : roundTo(wV, dtype), eps);
  const what = `seed ${seed} ${shapeString(shape)} ${dtype} ${variant ?? 'default'}`;
  console.log(`rmsNorm ${what}: relative error y ${relError(await y.read(), ref.y).toExponential(2)}`);
  expect(rstd.shape, what).toEqual(shape.slice(0, -1));
  const errs = { y: relError(await y.read(), ref.y), rstd: relError(await rstd.read(), ref.rstd) };
  expect(errs.y, what).toBeLessThan(1e-5);
  expect(errs.rstd, what).toBeLessThan(1e-5);
  const chunks = x.chunks.length;
  for (const t of [x, w, y, rstd]) t.dispose();
  return { ...errs, chunks };
}

export interface RopeCase {
  theta?: number;
  offset?: number;
  positions?: number[];
}

/** applyRope within 1e-5 of the reference on an x of shape (T,H,D) or (B,T,H,D). */
export async function checkRope(dev: Device, shape: Shape, c: RopeCase = {}) {
  const { rng, seed } = freshRng();
  const [T, H, D] = shape.slice(-3) as [number, number, number];
  const B = shape.length === 4 ? shape[0]! : 1;
  const theta = c.theta ?? 1e6;
  const xV = rng.normals(B * T * H * D);
  const x = Tensor.from(dev, xV, shape);
  const positions = c.positions && Tensor.from(dev, c.positions, shape.slice(0, -2), 'i32');
  const opts: RopeOptions = { theta, ...(positions ? { positions } : {}), ...(c.offset !== undefined ? { offset: c.offset } : {}) };
  const y = applyRope(x, opts);
  const ref = ropeRef(xV, { B, T, H, D }, theta, c.positions && Int32Array.from(c.positions), c.offset);
  const err = relError(await y.read(), ref);
  expect(err, `seed ${seed} ${JSON.stringify(shape)} ${JSON.stringify(c)}`).toBeLessThan(1e-5);
  const chunks = x.chunks.length;
  for (const t of [x, y, positions]) t?.dispose();
  return { err, chunks };
}

/** Labels in [0,V) with about `ignored` of them set to −100. */
export function randomLabels(rng: Rng, N: number, V: number, ignored = 0.25): Int32Array {
  return Int32Array.from({ length: N }, () => (rng.next() < ignored ? IGNORE_INDEX : rng.int(V)));
}

/** crossEntropy's losses and lse, and meanLoss, within 1e-5 of the reference; ignored rows lose exactly 0. */
export async function checkCrossEntropy(dev: Device, N: number, V: number, opts: { scale?: number; labelsAsTensor?: boolean } = {}) {
  const { rng, seed } = freshRng();
  const x = rng.normals(N * V, opts.scale ?? 2);
  const labels = randomLabels(rng, N, V);
  const logits = Tensor.from(dev, x, [N, V]);
  const labelArg = opts.labelsAsTensor ? Tensor.from(dev, labels, [N], 'i32') : labels;
  const { losses, lse } = crossEntropy(logits, labelArg);
  const mean = meanLoss(losses, labelArg, V);
  const ref = crossEntropyRef(x, labels, V);
  const got = { losses: await losses.read(), lse: await lse.read(), mean: (await mean.read())[0]! };
  const errs = { losses: relError(got.losses, ref.losses), lse: relError(got.lse, ref.lse) };
  const meanRef = meanLossRef(ref.losses, labels, V);
  const chunks = logits.chunks.length;
  const what = `seed ${seed} N=${N} V=${V} chunks=${chunks}`;
  expect(errs.losses, `losses ${what}`).toBeLessThan(1e-5);
  expect(errs.lse, `lse ${what}`).toBeLessThan(1e-5);
  // Every label ignored (one draw in 64 at N = 3): the mean is NaN on both sides, as torch's is.
  if (Number.isNaN(meanRef)) expect(got.mean, `mean of no counted label ${what}`).toBeNaN();
  else expect(Math.abs(got.mean - meanRef) / Math.abs(meanRef), `mean ${what}`).toBeLessThan(1e-5);
  for (let i = 0; i < N; i++) if (labels[i] === IGNORE_INDEX) expect(got.losses[i], `ignored row ${i} ${what}`).toBe(0);
  for (const t of [logits, losses, lse, mean]) t.dispose();
  if (labelArg instanceof Tensor) labelArg.dispose();
  return { ...errs, chunks };
}

/** The token ids of a sampled (N) tensor, which is then freed. */
export async function readTokens(t: Tensor): Promise<Int32Array> {
  const v = await t.read();
  t.dispose();
  return v as Int32Array;
}

/**
 * Rows where the GPU token differs from the reference's for the same u, except where u·Z lies within
 * 1e-5·Z of the edge of the GPU token's interval: f32 sums on the GPU against f64 on the CPU.
 */
function mismatches(x: Float32Array, V: number, got: Int32Array, params: SamplingParams & { seed: number; step: number }): string[] {
  const bad: string[] = [];
  for (let r = 0; r < got.length; r++) {
    const w = keptWeights(x.subarray(r * V, (r + 1) * V), params);
    const u = drawUniform(params.seed, params.step, got.length, r);
    const want = drawIndex(w, u);
    const t = got[r]!;
    if (t === want) continue;
    const Z = w.reduce((a, b) => a + b, 0);
    const before = w.subarray(0, t).reduce((a, b) => a + b, 0);
    const edge = Math.min(Math.abs(u * Z - before), Math.abs(u * Z - before - w[t]!));
    if (!(w[t]! > 0 && edge <= 1e-5 * Z)) bad.push(`row ${r}: got ${t}, reference ${want} (u=${u})`);
  }
  return bad;
}

/** sample draws the reference's token for the same u on every row; returns the logits' chunk count. */
export async function checkSampling(dev: Device, N: number, V: number, params: SamplingParams, scale = 3): Promise<number> {
  const { rng, seed } = freshRng();
  const x = rng.normals(N * V, scale);
  const logits = Tensor.from(dev, x, [N, V]);
  const full = { ...params, seed, step: rng.int(1000) };
  const chunks = logits.chunks.length;
  const got = await readTokens(sample(logits, full));
  logits.dispose();
  expect(mismatches(x, V, got, full), `N=${N} V=${V} ${JSON.stringify(full)}`).toEqual([]);
  return chunks;
}

export interface HeadsCase {
  B: number;
  T: number;
  H: number;
  D: number;
  positions: number[];
  /** The per-head norm's weight dtype; none: rotation only. */
  norm?: 'f32' | 'bf16';
}

const HEAD_THETA = 1e6;
const HEAD_EPS = 1e-6;

/** x, its positions, the norm weight (as stored) and the reference's normed-then-rotated heads. */
function heads(dev: Device, c: HeadsCase) {
  const { rng, seed } = freshRng();
  const xV = rng.normals(c.B * c.T * c.H * c.D);
  const wV = c.norm === 'bf16' ? roundTo(rng.normals(c.D), 'bf16') : rng.normals(c.D);
  const x = Tensor.from(dev, xV, [c.B, c.T, c.H, c.D]);
  const positions = Tensor.from(dev, c.positions, [c.B, c.T], 'i32');
  const weight = c.norm ? Tensor.from(dev, wV, [c.D], c.norm) : undefined;
  const ref = ropeRef(c.norm ? rmsNormRef(xV, wV, HEAD_EPS).y : xV, c, HEAD_THETA, Int32Array.from(c.positions));
  return { x, positions, norm: weight && { weight, eps: HEAD_EPS }, ref, rng, seed, dispose: () => [x, positions, weight].forEach((t) => t?.dispose()) };
}

/** normRope within 1e-5 of the reference's rmsNorm per head then RoPE; returns the relative error. */
export async function checkNormRope(dev: Device, c: HeadsCase): Promise<number> {
  const h = heads(dev, c);
  const y = normRope(h.x, h.norm, { theta: HEAD_THETA, positions: h.positions });
  const err = relError(await y.read(), h.ref);
  expect(err, `seed ${h.seed} ${JSON.stringify(c)}`).toBeLessThan(1e-5);
  y.dispose();
  h.dispose();
  return err;
}

/**
 * normRopeIntoCache within 1e-5 of writeKv's reference over the normed, rotated heads, in a cache
 * (B,S,H,D) of random rows (rows outside it dropped, every other row left as it was).
 */
export async function checkNormRopeIntoCache(dev: Device, c: HeadsCase & { S: number; offsets: number[] }): Promise<number> {
  const h = heads(dev, c);
  const before = h.rng.normals(c.B * c.S * c.H * c.D);
  const cache = Tensor.from(dev, before, [c.B, c.S, c.H, c.D]);
  const offsets = Tensor.from(dev, c.offsets, [c.B], 'i32');
  normRopeIntoCache(h.x, h.norm, cache, offsets, { theta: HEAD_THETA, positions: h.positions });
  const want = writeKvRef(before, h.ref, { B: c.B, T: c.T, S: c.S, KV: c.H, D: c.D }, c.offsets);
  const err = relError(await cache.read(), want);
  expect(err, `seed ${h.seed} ${JSON.stringify(c)}`).toBeLessThan(1e-5);
  for (const t of [cache, offsets]) t.dispose();
  h.dispose();
  return err;
}
