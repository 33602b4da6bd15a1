// Both decode-product variants, called by name whatever the adapter prefers, against the CPU
// reference on fresh random inputs: N odd and not a multiple of any workgroup, K not a multiple
// of the lanes' stride, every row count up to each variant's limit that matters, and each count
// of columns per invocation with N not a multiple of a workgroup's columns.
import { describe, expect, it } from 'vitest';
import { matvecFits } from '../../src/tensor/ops/matvec.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { testDevice } from '../helpers/gpu.js';
import { matvecVariantError } from '../helpers/product-checks.js';

const device = await testDevice();
describe('decode product variants against the CPU reference', () => {
  it.each([
    [1, 36, 65, 'f32', 4],
    [3, 516, 131, 'f32', 1],
    [16, 68, 129, 'f32', 4],
    [32, 68, 129, 'f32', 2],
    [1, 520, 1001, 'bf16', 4],
    [1, 520, 1001, 'bf16', 1],
    [7, 1536, 67, 'bf16', 2],
    [8, 1536, 67, 'bf16', 4],
    [32, 40, 301, 'bf16', 2],
    [5, 24, 63, 'f16', 4],
  ] as const)('columns (COLS columns per invocation, vec4 loads) at M=%i K=%i N=%i %s, COLS %i, is within 1e-5', async (M, K, N, dtype, cols) => {
    expect(await matvecVariantError(device, 'columns', M, K, N, dtype, true, cols)).toBeLessThan(1e-5);
    expect(await matvecVariantError(device, 'columns', M, K, N, dtype, false, cols)).toBeLessThan(1e-5);
  });

  it.each([
    [1, 37, 65, 'f32'],
    [8, 515, 131, 'f32'],
    [1, 521, 1001, 'bf16'],
    [6, 1536, 67, 'bf16'],
    [3, 22, 63, 'f16'],
  ] as const)('lanes (32 lanes per column, tree reduction) at M=%i K=%i N=%i %s is within 1e-5', async (M, K, N, dtype) => {
    expect(await matvecVariantError(device, 'lanes', M, K, N, dtype, true)).toBeLessThan(1e-5);
  });

  it('columns refuses rows that are not whole vec4s of weights, and lanes more than 8 rows', () => {
    const a = Tensor.empty(device, [9, 36]);
    const out = Tensor.empty(device, [9, 5]);
    const b16 = Tensor.from(device, new Float32Array(5 * 36), [5, 36], 'bf16');
    const b32 = Tensor.from(device, new Float32Array(5 * 36), [5, 36]);
    expect(matvecFits('columns', { a, b: b16, out, M: 9, K: 36, N: 5, transB: true })).toBe(false); // 36 % 8
    expect(matvecFits('columns', { a, b: b32, out, M: 9, K: 36, N: 5, transB: true })).toBe(true); // 36 % 4 == 0
    expect(matvecFits('lanes', { a, b: b32, out, M: 9, K: 36, N: 5, transB: true })).toBe(false);
    for (const t of [a, out, b16, b32]) t.dispose();
  });
});
