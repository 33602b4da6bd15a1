// The kernels on Dawn's Vulkan backend (SwiftShader: core features, subgroups), the path real
// NVIDIA and AMD GPUs take, against the CPU reference on fresh random inputs at small awkward
// sizes (SwiftShader runs about 25x slower than llvmpipe). SwiftShader is a CPU adapter, so the
// GPU variants are called by name beside the ones it picks. Same checks as tests/ops.
import { describe, expect, it } from 'vitest';
import type { QuantizeSpec } from '../../src/quant/quantize.js';
import type { MatmulVariant } from '../../src/tensor/gemm.js';
import type { MatvecVariant } from '../../src/tensor/ops/matvec.js';
import type { QuantMatvecVariant } from '../../src/tensor/ops/quant-matvec.js';
import type { AttentionDecodeVariant } from '../../src/tensor/ops/attention-decode.js';
import { swiftShaderDevice } from '../helpers/gpu.js';
import { checkMatmul, checkQuantMatmul, gemmVariantError, matvecVariantError, quantMatvecVariantError } from '../helpers/product-checks.js';
import { checkAttention, checkAttentionBackward, decodeVariantErrors } from '../helpers/attention-checks.js';
import { checkCrossEntropy, checkNormRope, checkNormRopeIntoCache, checkRmsNorm, checkRope, checkSampling } from '../helpers/row-checks.js';

const device = await swiftShaderDevice();
const NF4: QuantizeSpec = { format: 'nf4' };
const Q4_32: QuantizeSpec = { format: 'q4', blockSize: 32 };

describe('products on Vulkan', () => {
  it('matmul, with the kernels it picks, matches the reference (tiled, batched, a bf16 decode row with bias)', async () => {
    await checkMatmul(device, 7, 129, 33);
    await checkMatmul(device, 13, 21, 19, { batch: 3, transB: true });
    await checkMatmul(device, 1, 72, 67, { transB: true, bias: true, dtype: 'bf16' });
  });

  it.each(['tiled', 'registers', 'wide'] as MatmulVariant[])('gemm %s matches the reference, with transposed A, bf16 B and bias', async (variant) => {
    expect(await gemmVariantError(device, variant, { M: 33, K: 17, N: 65 })).toBeLessThan(1e-5);
    expect(await gemmVariantError(device, variant, { M: 16, K: 33, N: 17, transA: true })).toBeLessThan(1e-5);
    expect(await gemmVariantError(device, variant, { M: 19, K: 17, N: 23, transB: true, dtype: 'bf16', bias: true })).toBeLessThan(1e-5);
    expect(await gemmVariantError(device, variant, { M: 19, K: 34, N: 23, transB: true, dtype: 'bf16' })).toBeLessThan(1e-5);
  });

  it.each(['lanes', 'columns', 'subgroups'] as MatvecVariant[])('matvec %s matches the reference on f32, bf16 and f16 weights', async (variant) => {
    expect(await matvecVariantError(device, variant, 1, 40, 65, 'f32', true)).toBeLessThan(1e-5);
    expect(await matvecVariantError(device, variant, 5, 136, 33, 'bf16', false)).toBeLessThan(1e-5);
    expect(await matvecVariantError(device, variant, 3, 24, 31, 'f16', true)).toBeLessThan(1e-5);
  });

  it('matvec subgroups takes every row count up to 8, odd K and N, and weights split into row chunks', async () => {
    for (const [M, K, N, dtype] of [[8, 131, 67, 'f32'], [2, 520, 33, 'bf16'], [7, 22, 9, 'f16']] as const) {
      expect(await matvecVariantError(device, 'subgroups', M, K, N, dtype, true)).toBeLessThan(1e-5);
    }
    const small = await swiftShaderDevice({ maxBindingBytes: 4096 }); // b (301,24) bf16: 4 chunks
    expect(await matvecVariantError(small, 'subgroups', 1, 24, 301, 'bf16', true)).toBeLessThan(1e-5);
  });

  it.each(['lanes', 'columns'] as QuantMatvecVariant[])('4-bit matvec %s matches the dequantized reference (nf4, q4/32)', async (variant) => {
    expect(await quantMatvecVariantError(device, variant, { M: 1, N: 33, K: 96, spec: NF4, bias: true })).toBeLessThan(1e-5);
    expect(await quantMatvecVariantError(device, variant, { M: 3, N: 31, K: 160, spec: Q4_32 })).toBeLessThan(1e-5);
  });

  it("4-bit products as a layer runs them (dequantized prefill, partial blocks), the GPUs' in-register product, and their input gradient match the dequantized reference", async () => {
    expect(await checkQuantMatmul(device, 20, 33, 96, Q4_32, { bias: true })).toBeLessThan(1e-4);
    expect(await checkQuantMatmul(device, 20, 33, 96, Q4_32, { bias: true, variant: 'registers' })).toBeLessThan(1e-4);
    expect(await checkQuantMatmul(device, 17, 9, 128, NF4)).toBeLessThan(1e-4);
    expect(await checkQuantMatmul(device, 4, 7, 9, NF4)).toBeLessThan(1e-4);
  });
});

describe('attention on Vulkan', () => {
  it('prefill matches the reference below and above PREFILL_MIN_T, and for ragged sequences', async () => {
    await checkAttention(device, { B: 2, T: 5, H: 4, KV: 2, D: 16 });
    await checkAttention(device, { B: 1, T: 9, H: 4, KV: 2, D: 24, S: 20, pastLength: 6, kvLength: 15 });
    await checkAttention(device, { B: 3, T: 4, H: 4, KV: 2, D: 16, S: 8, kvLengths: [6, 0, 2] });
  });

  it('the backward gives dq, dk and dv of the reference, causal and ragged', async () => {
    await checkAttentionBackward(device, { B: 2, T: 7, H: 4, KV: 2, D: 16 });
    await checkAttentionBackward(device, { B: 3, T: 4, H: 4, KV: 2, D: 16, S: 8, kvLengths: [6, 0, 2] });
  });

  it.each(['tiles', 'textures'] as const)('the %s prefill and backward match the reference at head_dim 64', async (memory) => {
    await checkAttention(device, { B: 1, T: 9, H: 2, KV: 1, D: 64, prefill: memory });
    await checkAttentionBackward(device, { B: 2, T: 9, H: 2, KV: 1, D: 64, S: 12, kvLengths: [12, 5], backward: memory });
  });

  it.each(['workgroup', 'columns'] as AttentionDecodeVariant[])('decode %s matches the reference over cache slots', async (variant) => {
    for (const c of [
      { T: 1, H: 4, KV: 2, D: 64, lengths: [7, 30], slots: [1, 0] },
      { T: 3, H: 4, KV: 1, D: 12, lengths: [3, 20], slots: [0, 2] },
    ]) {
      const e = await decodeVariantErrors(device, variant, c);
      console.log(`decode ${variant} D ${c.D}: out ${e.out.toExponential(2)}, lse ${e.lse.toExponential(2)} (seed ${e.seed})`);
      expect(e.out, `seed ${e.seed}`).toBeLessThan(1e-5);
      expect(e.lse, `seed ${e.seed}`).toBeLessThan(1e-5);
    }
  });
});

describe('row ops on Vulkan', () => {
  it('rmsNorm matches the reference on f32 and bf16 weights', async () => {
    await checkRmsNorm(device, [7, 129]);
    await checkRmsNorm(device, [3, 5, 64], 'bf16');
  });

  it('rope matches the reference from an offset and at per-token positions', async () => {
    await checkRope(device, [7, 3, 64], { offset: 100 });
    await checkRope(device, [3, 1, 2, 128], { positions: [5, 4000, 17] });
  });

  it("inference's fused heads: per-head norm and rope, and the same straight into a KV cache, match the reference", async () => {
    await checkNormRope(device, { B: 2, T: 3, H: 3, D: 6, positions: [0, 1, 2, 700, 701, 702], norm: 'bf16' });
    await checkNormRopeIntoCache(device, { B: 2, T: 3, H: 2, D: 10, S: 5, positions: [0, 0, 1, 2, 3, 4], offsets: [-1, 2], norm: 'f32' });
  });

  it('cross-entropy losses, lse and mean match the reference', async () => {
    await checkCrossEntropy(device, 9, 129);
    await checkCrossEntropy(device, 5, 1000, { scale: 40, labelsAsTensor: true });
  });

  it('sampling draws the reference token for the same u under temperature, top-k and top-p', async () => {
    await checkSampling(device, 8, 129, { temperature: 0.8, topK: 20, topP: 0.9 });
    await checkSampling(device, 3, 1000, { temperature: 1.3, topK: 0, topP: 1 });
  });
});
