import { describe, expect, it } from 'vitest';
import { matmul } from '../../src/tensor/ops/matmul.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { matmulRef } from '../../src/cpu/matmul.js';
import { roundTo } from '../../src/tensor/half.js';
import { ShapeMismatchError } from '../../src/errors.js';
import { freshRng, relError, testDevice } from '../helpers/gpu.js';
import { checkMatmul } from '../helpers/product-checks.js';

const device = await testDevice();

describe('matmul', () => {
  it.each([
    [1, 1, 1],
    [7, 129, 33],
    [64, 64, 64],
    [129, 7, 1000],
    [100, 257, 65],
  ])('A·B matches the reference at %i×%i×%i', async (M, K, N) => {
    await checkMatmul(device, M, K, N);
  });

  it.each([
    [7, 129, 33],
    [130, 96, 71],
  ])('A·Bᵀ matches the reference at %i×%i×%i', async (M, K, N) => {
    await checkMatmul(device, M, K, N, { transB: true });
  });

  it.each(['bf16', 'f16'] as const)('%s weights match the reference on the rounded weights', async (dtype) => {
    await checkMatmul(device, 33, 70, 45, { transB: true, dtype });
    await checkMatmul(device, 33, 70, 45, { dtype });
  });

  it('adds a bias to every row', async () => {
    await checkMatmul(device, 9, 31, 17, { transB: true, bias: true });
  });

  it('runs batched products with per-batch and shared B', async () => {
    await checkMatmul(device, 13, 21, 19, { batch: 3, bBatched: true });
    await checkMatmul(device, 13, 21, 19, { batch: 3, transB: true });
  });

  it.each([
    [1, 1000, 7, false],
    [1, 1000, 7, true],
    [1, 129, 1000, true],
    [1, 896, 1000, false],
    [3, 129, 70, true],
    [8, 64, 300, false],
    [5, 1000, 7, true],
  ])('decode product of %i rows, K=%i, N=%i (transB %s) matches the reference', async (M, K, N, transB) => {
    await checkMatmul(device, M, K, N, { transB, bias: true, dtype: 'bf16' });
  });

  // On a CPU adapter (the test machine's llvmpipe) these take shaders/matvec_columns.wgsl: K a
  // multiple of 8 (4 for f32), up to the engine's 32 decode rows, N not a multiple of the workgroup.
  it.each([
    [1, 512, 1000, 'bf16'],
    [2, 1536, 67, 'bf16'],
    [16, 40, 129, 'f16'],
    [32, 520, 301, 'bf16'],
    [1, 36, 65, 'f32'],
    [31, 516, 130, 'f32'],
  ] as const)('decode product by columns of %i rows, K=%i, N=%i (%s) matches the reference', async (M, K, N, dtype) => {
    await checkMatmul(device, M, K, N, { transB: true, bias: true, dtype });
    await checkMatmul(device, M, K, N, { transB: true, dtype });
  });

  it('splits a large LM head and its logits into binding-sized chunks', async () => {
    const small = await testDevice({ maxBindingBytes: 4096 });
    const { rng, seed } = freshRng();
    const [M, K, N] = [37, 24, 301]; // head: 301×24 bf16 → 4 chunks; logits: 37×301 f32 → 11 chunks
    const aV = rng.normals(M * K);
    const bV = rng.normals(N * K);
    const a = Tensor.from(small, aV, [M, K]);
    const head = Tensor.from(small, bV, [N, K], 'bf16');
    const logits = matmul(a, head, { transB: true });
    expect(head.chunks.length).toBeGreaterThan(2);
    expect(logits.chunks.length).toBeGreaterThan(2);
    const ref = matmulRef(aV, roundTo(bV, 'bf16'), { M, K, N, transB: true });
    expect(relError(await logits.read(), ref), `seed ${seed}`).toBeLessThan(1e-5);
    const last = matmul(Tensor.from(small, aV.subarray(0, K), [1, K]), head, { transB: true });
    expect(relError(await last.read(), ref.subarray(0, N)), `seed ${seed}`).toBeLessThan(1e-5);
    const rows = matmul(Tensor.from(small, aV.subarray(0, 3 * K), [3, K]), head, { transB: true });
    expect(relError(await rows.read(), ref.subarray(0, 3 * N)), `seed ${seed}`).toBeLessThan(1e-5);
  });

  it('throws naming both shapes when the inner dimensions differ', () => {
    const a = Tensor.empty(device, [4, 5]);
    const b = Tensor.empty(device, [6, 7]);
    expect(() => matmul(a, b)).toThrow(ShapeMismatchError);
    expect(() => matmul(a, b)).toThrow(/\(4,5\).*\(6,7\)/);
  });
});
