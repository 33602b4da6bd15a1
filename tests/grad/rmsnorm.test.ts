import { describe, expect, it } from 'vitest';
import { rmsNorm, rmsNormBackward, type NormVariant } from '../../src/tensor/ops/rmsnorm.js';
import { rmsNormBackwardRef, rmsNormRef } from '../../src/cpu/rmsnorm.js';
import { shapeString, Tensor, type Shape } from '../../src/tensor/tensor.js';
import type { Device } from '../../src/gpu/device.js';
import { roundTo } from '../../src/tensor/half.js';
import { ShapeMismatchError } from '../../src/errors.js';
import { freshRng, relError, testDevice } from '../helpers/gpu.js';
import { finiteDiffError } from '../helpers/grad.js';

const device = await testDevice();
/** 4 KiB bindings: x (100,37) f32 splits into 4 chunks. */
const chunked = await testDevice({ maxBindingBytes: 4096 });

async function check(dev: Device, shape: Shape, dtype: 'f32' | 'bf16' = 'f32', variant?: NormVariant) {
  const { rng, seed } = freshRng();
  const n = shape.at(-1)!;
  const count = shape.reduce((a, b) => a * b, 1);
  const [xV, wV, dyV] = [rng.normals(count, 2), rng.normals(n), rng.normals(count)];
  const [x, w, dy] = [Tensor.from(dev, xV, shape), Tensor.from(dev, wV, [n], dtype), Tensor.from(dev, dyV, shape)];
  const { y, rstd } = rmsNorm(x, w, 1e-6, variant);
  const g = rmsNormBackward(dy, x, w, rstd, { weightGrad: true, variant });
  const ref = rmsNormBackwardRef(dyV, xV, dtype === 'f32' ? wV : roundTo(wV, dtype), 1e-6);
  const what = `seed ${seed} ${shapeString(shape)} ${dtype} ${variant ?? 'default'}`;
  const errs = { dx: relError(await g.dx.read(), ref.dx), dw: relError(await g.dWeight!.read(), ref.dw) };
  console.log(`rmsNormBackward ${what}: relative error dx ${errs.dx.toExponential(2)}`);
  expect(errs.dx, what).toBeLessThan(1e-5);
  expect(errs.dw, what).toBeLessThan(1e-5);
  const chunks = x.chunks.length;
  for (const t of [x, w, dy, y, rstd, g.dx, g.dWeight]) t?.dispose();
  return { errs, chunks };
}

describe('rmsNorm reference backward', () => {
  it('matches central finite differences of the reference forward in x and in the weight', () => {
    const { rng, seed } = freshRng();
    const [rows, n, eps] = [3, 7, 1e-6];
    const [xV, wV, dyV] = [rng.normals(rows * n), rng.normals(n), rng.normals(rows * n)];
    const ref = rmsNormBackwardRef(dyV, xV, wV, eps);
    expect(finiteDiffError((v) => rmsNormRef(v, wV, eps).y, xV, dyV, ref.dx, rng), `dx seed ${seed}`).toBeLessThan(1e-3);
    expect(finiteDiffError((v) => rmsNormRef(xV, v, eps).y, wV, dyV, ref.dw, rng), `dw seed ${seed}`).toBeLessThan(1e-3);
  });
});

describe('rmsNormBackward', () => {
  // One column would make dx vanish (y = w·sign(x)), leaving nothing to compare relatively.
  it.each((['rows', 'workgroup'] as NormVariant[]).flatMap((v) => [[v, [1, 3]], [v, [7, 129]], [v, [129, 1000]], [v, [2, 3, 896]], [v, [300, 5]], [v, [65, 64]]] as [NormVariant, Shape][]))(
    '%s: dx and dWeight match the reference at %j',
    async (variant, shape) => {
      await check(device, shape, 'f32', variant);
    },
  );

  it('takes a bf16 weight, differentiating through its rounded values', async () => {
    await check(device, [7, 3, 128], 'bf16');
  });

  it('gives no dWeight for a frozen bf16 weight unless asked', async () => {
    const x = Tensor.from(device, [1, 2, 3, 4], [2, 2]);
    const w = Tensor.from(device, [1, 1], [2], 'bf16');
    const { rstd } = rmsNorm(x, w);
    expect(rmsNormBackward(x, x, w, rstd).dWeight).toBeUndefined();
  });

  it('runs per chunk on an x split across bindings', async () => {
    expect((await check(chunked, [100, 37])).chunks).toBeGreaterThanOrEqual(3);
  });

  it('throws naming both shapes when dy does not match x', () => {
    const x = Tensor.empty(device, [4, 5]);
    const rstd = Tensor.empty(device, [4]);
    expect(() => rmsNormBackward(Tensor.empty(device, [4, 6]), x, Tensor.empty(device, [5]), rstd)).toThrow(ShapeMismatchError);
    expect(() => rmsNormBackward(Tensor.empty(device, [4, 6]), x, Tensor.empty(device, [5]), rstd)).toThrow(/\(4,6\).*\(4,5\)/);
  });
});
