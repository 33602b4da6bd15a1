// Both decode-product variants, called by name whatever the adapter prefers, against the CPU
// reference on fresh random inputs: N odd and not a multiple of any workgroup, K not a multiple
// of the lanes' stride, every row count up to each variant's limit that matters, and each count
// of columns per invocation with N not a multiple of a workgroup's columns; the texture variant
// with more rows of a than its uniform block holds, weights over a texture layer, and chunks.
import { describe, expect, it } from 'vitest';
import { matmulRef } from '../../src/cpu/matmul.js';
import { roundTo } from '../../src/tensor/half.js';
import { matvec, matvecFits } from '../../src/tensor/ops/matvec.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { freshRng, relError, testDevice } from '../helpers/gpu.js';
import { matvecVariantError } from '../helpers/product-checks.js';

const device = await testDevice();
const chunked = await testDevice({ maxBindingBytes: 4096 });
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
    [1, 128, 65, 'bf16', 4],
    [1, 512, 1001, 'bf16', 2],
    [7, 256, 67, 'f16', 4],
    [16, 384, 129, 'bf16', 4],
    [32, 1536, 131, 'bf16', 2], // 10 rows of a staged at a time: four groups
    [3, 128, 16400, 'bf16', 4], // more rows than a texture layer holds on most devices
  ] as const)('textures (weights in textures, a in a uniform block) at M=%i K=%i N=%i %s, COLS %i, is within 1e-5', async (M, K, N, dtype, cols) => {
    expect(await matvecVariantError(device, 'textures', M, K, N, dtype, true, cols)).toBeLessThan(1e-5);
    expect(await matvecVariantError(device, 'textures', M, K, N, dtype, false, cols)).toBeLessThan(1e-5);
  });

  it('textures reads a weight split into row chunks texture by texture', async () => {
    // (301,128) bf16 rows are 256 bytes: 16 rows a chunk, 19 chunks.
    expect(await matvecVariantError(chunked, 'textures', 2, 128, 301, 'bf16', true)).toBeLessThan(1e-5);
  });

  it('textures refuses f32 weights (they may be trained in place) and rows that are not whole 128-value lines', () => {
    const a = Tensor.empty(device, [1, 136]);
    const out = Tensor.empty(device, [1, 5]);
    const [f32, ragged, aligned] = [Tensor.empty(device, [5, 128]), Tensor.empty(device, [5, 136], 'bf16'), Tensor.empty(device, [5, 128], 'bf16')];
    expect(matvecFits('textures', { a, b: f32, out, M: 1, K: 128, N: 5, transB: true })).toBe(false);
    expect(matvecFits('textures', { a, b: ragged, out, M: 1, K: 136, N: 5, transB: true })).toBe(false);
    expect(matvecFits('textures', { a, b: aligned, out, M: 1, K: 128, N: 5, transB: true })).toBe(true);
    for (const t of [a, out, f32, ragged, aligned]) t.dispose();
  });

  it("makes a weight's textures again for a new weight in the same pool buffer", async () => {
    expect(await matvecVariantError(device, 'textures', 1, 128, 33, 'bf16', false)).toBeLessThan(1e-5);
    expect(await matvecVariantError(device, 'textures', 1, 128, 33, 'bf16', false)).toBeLessThan(1e-5);
  });

  it('reads the new values of a weight overwritten by Tensor.write', async () => {
    const { rng } = freshRng();
    const [K, N] = [128, 9];
    const a = Tensor.from(device, rng.normals(K), [1, K]);
    const b = Tensor.from(device, rng.normals(N * K), [N, K], 'bf16');
    const out = Tensor.empty(device, [1, N]);
    const args = { a, b, out, M: 1, K, N, transB: true };
    matvec('textures', args);
    await out.read();
    const fresh = rng.normals(N * K);
    b.write(fresh);
    matvec('textures', args);
    const ref = matmulRef((await a.read()) as Float32Array, roundTo(fresh, 'bf16'), { M: 1, K, N, transB: true });
    expect(relError(await out.read(), ref)).toBeLessThan(1e-5);
    for (const t of [a, b, out]) t.dispose();
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
