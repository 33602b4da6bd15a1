import { describe, expect, it } from 'vitest';
import { rmsNorm, type NormVariant } from '../../src/tensor/ops/rmsnorm.js';
import { Tensor, type Shape } from '../../src/tensor/tensor.js';
import { ShapeMismatchError } from '../../src/errors.js';
import { testDevice } from '../helpers/gpu.js';
import { checkRmsNorm } from '../helpers/row-checks.js';

const device = await testDevice();
/** 4 KiB bindings: x (100,37) f32 splits into 4 chunks. */
const chunked = await testDevice({ maxBindingBytes: 4096 });

describe('rmsNorm', () => {
  const VARIANTS: NormVariant[] = ['rows', 'workgroup'];
  it.each(VARIANTS.flatMap((v) => [[v, [1, 1]], [v, [7, 129]], [v, [129, 1000]], [v, [2, 3, 896]], [v, [1000]], [v, [8192 + 5, 64]]] as [NormVariant, Shape][]))(
    '%s: y and rstd match the reference at %j',
    async (variant, shape) => {
      await checkRmsNorm(device, shape, 'f32', 1e-6, variant);
    },
  );

  it.each(['bf16', 'f16'] as const)('%s weights (as Qwen stores norms) match the reference on the rounded weights', async (dtype) => {
    await checkRmsNorm(device, [7, 1000], dtype);
  });

  it('normalizes each head of x (T,H,D) with a (D) weight, as Qwen3 q_norm/k_norm do', async () => {
    await checkRmsNorm(device, [7, 3, 128], 'bf16');
  });

  it.each(VARIANTS)('%s: handles more rows than one grid dimension holds', async (variant) => {
    await checkRmsNorm(device, [variant === 'rows' ? 64 * 65535 + 3 : 65537, 3], 'f32', 1e-6, variant);
  });

  it('gives zeros and rstd = 1/sqrt(eps) for an all-zero row', async () => {
    const x = Tensor.from(device, new Float32Array(5), [1, 5]);
    const { y, rstd } = rmsNorm(x, Tensor.from(device, [1, 2, 3, 4, 5], [5]), 1e-2);
    expect([...(await y.read())]).toEqual([0, 0, 0, 0, 0]);
    expect((await rstd.read())[0]).toBeCloseTo(10, 5);
  });

  it('runs per chunk on an x split across bindings', async () => {
    expect((await checkRmsNorm(chunked, [100, 37], 'bf16')).chunks).toBeGreaterThanOrEqual(3);
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
