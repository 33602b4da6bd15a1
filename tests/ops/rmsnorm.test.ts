import { describe, expect, it } from 'vitest';
import { rmsNorm } from '../../src/tensor/ops/rmsnorm.js';
import { rmsNormRef } from '../../src/cpu/rmsnorm.js';
import { shapeString, Tensor, type Shape } from '../../src/tensor/tensor.js';
import type { Device } from '../../src/gpu/device.js';
import { roundTo } from '../../src/tensor/half.js';
import { ShapeMismatchError } from '../../src/errors.js';
import { freshRng, relError, testDevice } from '../helpers/gpu.js';

const device = await testDevice();
/** 4 KiB bindings: x (100,37) f32 splits into 4 chunks. */
const chunked = await testDevice({ maxBindingBytes: 4096 });

async function check(dev: Device, shape: Shape, dtype: 'f32' | 'bf16' | 'f16' = 'f32', eps = 1e-6) {
  const { rng, seed } = freshRng();
  const n = shape.at(-1)!;
  const xV = rng.normals(shape.reduce((a, b) => a * b, 1), 2);
  const wV = rng.normals(n);
  const x = Tensor.from(dev, xV, shape);
  const w = Tensor.from(dev, wV, [n], dtype);
  const { y, rstd } = rmsNorm(x, w, eps);
  const ref = rmsNormRef(xV, dtype === 'f32' ? wV : roundTo(wV, dtype), eps);
  const what = `seed ${seed} ${shapeString(shape)} ${dtype}`;
  expect(rstd.shape, what).toEqual(shape.slice(0, -1));
  const errs = { y: relError(await y.read(), ref.y), rstd: relError(await rstd.read(), ref.rstd) };
  expect(errs.y, what).toBeLessThan(1e-5);
  expect(errs.rstd, what).toBeLessThan(1e-5);
  const chunks = x.chunks.length;
  for (const t of [x, w, y, rstd]) t.dispose();
  return { ...errs, chunks };
}

describe('rmsNorm', () => {
  it.each([[[1, 1]], [[7, 129]], [[129, 1000]], [[2, 3, 896]], [[1000]]] as [Shape][])('y and rstd match the reference at %j', async (shape) => {
    await check(device, shape);
  });

  it.each(['bf16', 'f16'] as const)('%s weights (as Qwen stores norms) match the reference on the rounded weights', async (dtype) => {
    await check(device, [7, 1000], dtype);
  });

  it('normalizes each head of x (T,H,D) with a (D) weight, as Qwen3 q_norm/k_norm do', async () => {
    await check(device, [7, 3, 128], 'bf16');
  });

  it('handles more rows than one grid dimension holds', async () => {
    await check(device, [65537, 3]);
  });

  it('gives zeros and rstd = 1/sqrt(eps) for an all-zero row', async () => {
    const x = Tensor.from(device, new Float32Array(5), [1, 5]);
    const { y, rstd } = rmsNorm(x, Tensor.from(device, [1, 2, 3, 4, 5], [5]), 1e-2);
    expect([...(await y.read())]).toEqual([0, 0, 0, 0, 0]);
    expect((await rstd.read())[0]).toBeCloseTo(10, 5);
  });

  it('runs per chunk on an x split across bindings', async () => {
    expect((await check(chunked, [100, 37], 'bf16')).chunks).toBeGreaterThanOrEqual(3);
  });

  it('throws naming both shapes when the weight does not match the last dim', () => {
    const x = Tensor.empty(device, [4, 5]);
    expect(() => rmsNorm(x, Tensor.empty(device, [4]))).toThrow(ShapeMismatchError);
    expect(() => rmsNorm(x, Tensor.empty(device, [4]))).toThrow(/\(4\).*\(4,5\)/);
    expect(() => rmsNorm(x, Tensor.empty(device, [1, 5]))).toThrow(ShapeMismatchError);
  });

  it('throws on a non-f32 x or an integer weight', () => {
    expect(() => rmsNorm(Tensor.empty(device, [4, 5], 'bf16'), Tensor.empty(device, [5]))).toThrow(ShapeMismatchError);
    expect(() => rmsNorm(Tensor.empty(device, [4, 5]), Tensor.empty(device, [5], 'i32'))).toThrow(ShapeMismatchError);
  });
});
