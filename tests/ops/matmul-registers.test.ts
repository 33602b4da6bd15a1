import { describe, expect, it } from 'vitest';
import type { AdapterSummary } from '../../src/gpu/device.js';
import { matmulVariant, type MatmulVariant } from '../../src/tensor/gemm.js';
import { testDevice } from '../helpers/gpu.js';
import { gemmVariantError } from '../helpers/product-checks.js';

const device = await testDevice();

const VARIANTS: MatmulVariant[] = ['registers', 'wide', 'tiled'];

describe('the register-block kernels (CPU adapters: skinny and wide outputs) and the tiled kernel', () => {
  it.each(VARIANTS.flatMap((v) => [[v, 1, 1, 1], [v, 7, 17, 33], [v, 33, 1, 5], [v, 129, 17, 301], [v, 300, 16, 129], [v, 97, 513, 16]] as const))(
    '%s matches the reference at M=%i K=%i N=%i',
    async (variant, M, K, N) => {
      expect(await gemmVariantError(device, variant, { M, K, N })).toBeLessThan(1e-5);
    },
  );

  it.each(VARIANTS.flatMap((v) => [[v, 16, 257, 33], [v, 129, 301, 17], [v, 5, 1, 3]] as const))(
    '%s reads a transposed A in place (dW products) at M=%i K=%i N=%i',
    async (variant, M, K, N) => {
      expect(await gemmVariantError(device, variant, { M, K, N, transA: true })).toBeLessThan(1e-5);
    },
  );

  it.each(VARIANTS)('%s reads a transposed bf16 B and adds the bias', async (variant) => {
    expect(await gemmVariantError(device, variant, { M: 65, K: 17, N: 31, transB: true, dtype: 'bf16', bias: true })).toBeLessThan(1e-5);
  });

  it.each(VARIANTS)('%s reads a transposed bf16 B with an even K two k at a time (one word each)', async (variant) => {
    expect(await gemmVariantError(device, variant, { M: 65, K: 18, N: 31, transB: true, dtype: 'bf16', bias: true })).toBeLessThan(1e-5);
    expect(await gemmVariantError(device, variant, { M: 19, K: 34, N: 23, transB: true, dtype: 'bf16', batch: 3 })).toBeLessThan(1e-5);
  });

  it.each(VARIANTS)('%s adds to what c holds with accumulate', async (variant) => {
    expect(await gemmVariantError(device, variant, { M: 45, K: 16, N: 77, transB: true, accumulate: true })).toBeLessThan(1e-5);
  });

  it.each(VARIANTS)('%s runs independent batched products', async (variant) => {
    expect(await gemmVariantError(device, variant, { M: 19, K: 17, N: 23, batch: 3 })).toBeLessThan(1e-5);
  });

  it.each(VARIANTS)('%s lays a thin output (N ≤ 32 below M, invocations along M) out as a wide one: batched, accumulating, transposed', async (variant) => {
    expect(await gemmVariantError(device, variant, { M: 77, K: 19, N: 9, batch: 3 })).toBeLessThan(1e-5);
    expect(await gemmVariantError(device, variant, { M: 45, K: 16, N: 7, transB: true, accumulate: true })).toBeLessThan(1e-5);
    expect(await gemmVariantError(device, variant, { M: 300, K: 33, N: 32, transA: true })).toBeLessThan(1e-5);
  });
});

describe('matmulVariant', () => {
  const llvmpipe: AdapterSummary = { backend: 'opengles', vendor: 'mesa', architecture: '', device: 'llvmpipe (LLVM 15.0.6, 256 bits)', description: '', featureLevel: 'core' };
  const nvidia: AdapterSummary = { backend: 'vulkan', vendor: 'nvidia', architecture: 'hopper', device: 'NVIDIA H200', description: '', featureLevel: 'core' };

  it('takes registers on a CPU adapter when the output has at most 32 rows or columns', () => {
    expect([matmulVariant(llvmpipe, 1024, 16), matmulVariant(llvmpipe, 16, 512), matmulVariant(llvmpipe, 32, 1536, true)]).toEqual(['registers', 'registers', 'registers']);
  });

  it('takes wide on a CPU adapter for wider outputs, unless the product adds into c', () => {
    expect([matmulVariant(llvmpipe, 1024, 512), matmulVariant(llvmpipe, 33, 33), matmulVariant(llvmpipe, 1024, 512, true)]).toEqual(['wide', 'wide', 'tiled']);
  });

  it('keeps the tiled kernel on GPUs', () => {
    expect([matmulVariant(nvidia, 1024, 16), matmulVariant(nvidia, 1024, 512)]).toEqual(['tiled', 'tiled']);
  });
});
