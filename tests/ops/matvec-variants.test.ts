// Both decode-product variants, called by name whatever the adapter prefers, against the CPU
// reference on fresh random inputs: N odd and not a multiple of any workgroup, K not a multiple
// of the lanes' stride, every row count up to each variant's limit that matters, and each count
// of columns per invocation with N not a multiple of a workgroup's columns.
import { describe, expect, it } from 'vitest';
import { matvec, matvecFits, type MatvecArgs, type MatvecVariant } from '../../src/tensor/ops/matvec.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { matmulRef } from '../../src/cpu/matmul.js';
import { roundTo } from '../../src/tensor/half.js';
import { freshRng, relError, testDevice } from '../helpers/gpu.js';

const device = await testDevice();
type Float = 'f32' | 'bf16' | 'f16';

/** ‖gpu − ref‖/‖ref‖ of `variant` on a (M,K)·(N,K)ᵀ (+ bias) product, the weights rounded to their dtype in the reference. */
async function variantError(variant: MatvecVariant, M: number, K: number, N: number, dtype: Float, withBias: boolean, cols?: number): Promise<number> {
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
    expect(await variantError('columns', M, K, N, dtype, true, cols)).toBeLessThan(1e-5);
    expect(await variantError('columns', M, K, N, dtype, false, cols)).toBeLessThan(1e-5);
  });

  it.each([
    [1, 37, 65, 'f32'],
    [8, 515, 131, 'f32'],
    [1, 521, 1001, 'bf16'],
    [6, 1536, 67, 'bf16'],
    [3, 22, 63, 'f16'],
  ] as const)('lanes (32 lanes per column, tree reduction) at M=%i K=%i N=%i %s is within 1e-5', async (M, K, N, dtype) => {
    expect(await variantError('lanes', M, K, N, dtype, true)).toBeLessThan(1e-5);
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
