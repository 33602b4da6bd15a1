// The CPU adapters' texture product (activations times a weight, read as Bᵀ or as stored, both
// as textures) against the CPU reference on fresh random inputs: M and N not multiples of the
// 128×128 workgroup block, K of one to twelve 128-value lines, bf16 and f32 weights, bias, a
// weight split into row chunks, activations over a texture layer; and which products gemm hands it.
import { describe, expect, it } from 'vitest';
import { adapterKind } from '../../src/gpu/adapter-kind.js';
import { gemm } from '../../src/tensor/gemm.js';
import { textureGemmFits } from '../../src/tensor/gemm-texture.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { testDevice } from '../helpers/gpu.js';
import { gemmVariantError } from '../helpers/product-checks.js';

const device = await testDevice();
const chunked = await testDevice({ maxBindingBytes: 4096 });

/** Kernel files of the dispatches `record` makes. */
function kernelsOf(record: () => void): string[] {
  const names: string[] = [];
  const dispatch = device.recorder.dispatch;
  device.recorder.dispatch = function (kernel, ...rest) {
    names.push(kernel.name.replace(/\.wgsl.*$/, ''));
    dispatch.call(this, kernel, ...rest);
  };
  try {
    record();
  } finally {
    device.recorder.dispatch = dispatch;
  }
  return names;
}

describe('texture product', () => {
  it.each([
    [1, 128, 65, 'bf16', false],
    [33, 512, 129, 'bf16', true],
    [130, 1536, 67, 'bf16', false],
    [300, 256, 1001, 'bf16', true],
    [17, 4864, 128, 'bf16', false], // Qwen2.5-0.5B's down_proj K: 608 steps of K, past any loop-unrolling limit
    [70, 64, 33, 'f32', true], // f32 rows are staged per product
    [129, 192, 200, 'f32', false],
    [300, 512, 16, 'f32', true], // LoRA's x·Aᵀ: a thin N, invocations along M
    [129, 64, 1, 'f32', false],
    [40, 128, 32, 'bf16', false],
  ] as const)('a·bᵀ at M=%i K=%i N=%i %s (bias %s) is within 1e-5', async (M, K, N, dtype, bias) => {
    expect(await gemmVariantError(device, 'textures', { M, K, N, transB: true, dtype, bias })).toBeLessThan(1e-5);
  });

  it.each([
    [1, 64, 128, 'bf16'],
    [130, 512, 384, 'bf16'],
    [33, 1536, 512, 'bf16'],
    [17, 4864, 128, 'bf16'],
    [70, 128, 64, 'f32'],
    [257, 64, 128, 'f32'],
  ] as const)('a·b (b stored (K,N), the input gradient) at M=%i K=%i N=%i %s is within 1e-5', async (M, K, N, dtype) => {
    expect(await gemmVariantError(device, 'textures', { M, K, N, dtype })).toBeLessThan(1e-5);
  });

  it('reads a weight split into row chunks texture by texture', async () => {
    // (301,128) bf16 rows are 256 bytes: 16 rows a chunk, 19 chunks.
    expect(await gemmVariantError(chunked, 'textures', { M: 3, K: 128, N: 301, transB: true, dtype: 'bf16', bias: true })).toBeLessThan(1e-5);
  });

  it('stages activations over more rows than a texture layer holds', async () => {
    expect(await gemmVariantError(device, 'textures', { M: device.limits.maxTextureDimension2D + 37, K: 128, N: 17, transB: true, dtype: 'bf16' })).toBeLessThan(1e-5);
  });

  it('takes unbatched, overwriting products with rows of whole 256-byte lines', () => {
    const a = Tensor.empty(device, [40, 128]);
    const c = Tensor.empty(device, [40, 48]);
    const [bf16, f32, plain] = [Tensor.empty(device, [48, 128], 'bf16'), Tensor.empty(device, [48, 128]), Tensor.empty(device, [128, 128], 'bf16')];
    const [a136, ragged] = [Tensor.empty(device, [40, 136]), Tensor.empty(device, [48, 136], 'bf16')];
    const spec = { a, b: bf16, c, M: 40, N: 48, K: 128, transB: true };
    expect(textureGemmFits(spec)).toBe(true);
    expect(textureGemmFits({ ...spec, b: f32 })).toBe(true);
    expect(textureGemmFits({ ...spec, accumulate: true })).toBe(false);
    const c128 = Tensor.empty(device, [40, 128]);
    expect(textureGemmFits({ ...spec, transB: false, b: plain, c: c128, N: 128 })).toBe(true);
    c128.dispose();
    expect(textureGemmFits({ ...spec, transA: true })).toBe(false);
    expect(textureGemmFits({ ...spec, a: a136, b: ragged, K: 136 })).toBe(false); // rows not whole 256-byte lines
    for (const t of [a, c, bf16, f32, plain, a136, ragged]) t.dispose();
  });

  it("is gemm's pick for wide products of a frozen 16-bit weight on a CPU adapter", () => {
    const a = Tensor.empty(device, [64, 128]);
    const c = Tensor.empty(device, [64, 96]);
    const b = Tensor.empty(device, [96, 128], 'bf16');
    expect(kernelsOf(() => gemm({ a, b, c, M: 64, N: 96, K: 128, transB: true }))).toEqual([adapterKind(device.info) === 'cpu' ? 'matmul_texture' : 'matmul']);
    for (const t of [a, c, b]) t.dispose();
  });

  it("is gemm's pick for LoRA's thin x·Aᵀ on a CPU adapter, where the registers kernel would run", () => {
    const a = Tensor.empty(device, [256, 128]);
    const c = Tensor.empty(device, [256, 16]);
    const b = Tensor.empty(device, [16, 128]);
    expect(kernelsOf(() => gemm({ a, b, c, M: 256, N: 16, K: 128, transB: true }))).toEqual([adapterKind(device.info) === 'cpu' ? 'matmul_texture' : 'matmul']);
    for (const t of [a, c, b]) t.dispose();
  });
});
