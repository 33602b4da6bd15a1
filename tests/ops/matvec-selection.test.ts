// Which decode-product variant an adapter gets: CPU adapters (llvmpipe, lavapipe, SwiftShader,
// WARP) the columns kernels, GPUs the lanes kernels; a CPU adapter's columns fall back to lanes
// only where rows are not whole vec4s, and a GPU never takes columns.
import { describe, expect, it } from 'vitest';
import { adapterKind, matvecVariant } from '../../src/gpu/adapter-kind.js';
import type { AdapterSummary } from '../../src/gpu/device.js';
import { pickMatvec } from '../../src/tensor/ops/matvec.js';
import { pickQuantMatvec } from '../../src/tensor/ops/quant-matvec.js';
import { quantizeWeight, uploadQuantWeight } from '../../src/quant/quantize.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { testDevice } from '../helpers/gpu.js';

const device = await testDevice();

function adapter(names: Partial<AdapterSummary>): AdapterSummary {
  return { backend: 'vulkan', vendor: '', architecture: '', device: '', description: '', featureLevel: 'core', ...names };
}

describe('matvec variant selection', () => {
  it.each([
    [{ description: 'llvmpipe (LLVM 19.1.7, 256 bits)', backend: 'opengles' }, 'cpu'],
    [{ device: 'SwiftShader Device (Subzero)', vendor: 'google' }, 'cpu'],
    [{ description: 'Microsoft Basic Render Driver', backend: 'd3d12' }, 'cpu'],
    [{ description: 'NVIDIA GeForce RTX 4090', vendor: 'nvidia' }, 'gpu'],
    [{ description: 'Apple M2', vendor: 'apple', backend: 'metal' }, 'gpu'],
    [{ description: 'AMD Radeon RX 7900 XTX (RADV NAVI31)', vendor: 'amd' }, 'gpu'],
  ] as const)('names %o as a %s adapter', (names, kind) => {
    expect(adapterKind(adapter(names))).toBe(kind);
    expect(matvecVariant(adapter(names))).toBe(kind === 'cpu' ? 'columns' : 'lanes');
  });

  it('gives GPUs with the subgroups feature the subgroup reduction, and CPU adapters columns whatever their features', () => {
    const nvidia = adapter({ description: 'NVIDIA GeForce RTX 4090', vendor: 'nvidia' });
    const swiftshader = adapter({ device: 'swiftshader-device-subzero-', architecture: 'swiftshader', vendor: 'google' });
    expect(matvecVariant(nvidia, { subgroups: true, shaderF16: true })).toBe('subgroups');
    expect(matvecVariant(nvidia, { subgroups: false, shaderF16: true })).toBe('lanes');
    expect(matvecVariant(swiftshader, { subgroups: true, shaderF16: false })).toBe('columns');
  });

  it("gives this adapter's variant to aligned rows and lanes to rows that are not whole vec4s", () => {
    const preferred = matvecVariant(device.info, device.features);
    const a = Tensor.empty(device, [1, 36]);
    const out = Tensor.empty(device, [1, 5]);
    const aligned = Tensor.from(device, new Float32Array(5 * 40), [5, 40], 'bf16');
    const ragged = Tensor.from(device, new Float32Array(5 * 36), [5, 36], 'bf16'); // 36 % 8 ≠ 0
    const a40 = Tensor.empty(device, [1, 40]);
    expect(pickMatvec({ a: a40, b: aligned, out, M: 1, K: 40, N: 5, transB: true })).toBe(preferred);
    expect(pickMatvec({ a, b: ragged, out, M: 1, K: 36, N: 5, transB: true })).toBe('lanes');
    for (const t of [a, out, aligned, ragged, a40]) t.dispose();
  });

  it("gives 4-bit rows of whole vec4s of codes this adapter's variant, and rows over 8 lanes only on a CPU adapter", () => {
    const preferred = matvecVariant(device.info);
    const w = uploadQuantWeight(device, quantizeWeight(new Float32Array(3 * 64), [3, 64], { format: 'nf4' }));
    const out = Tensor.empty(device, [9, 3]);
    const x = Tensor.empty(device, [9, 64]);
    expect(pickQuantMatvec({ x, w, out, M: 1, overrides: {} })).toBe(preferred);
    expect(pickQuantMatvec({ x, w, out, M: 9, overrides: {} })).toBe(preferred === 'columns' ? 'columns' : undefined);
    for (const t of [w, out, x]) t.dispose();
  });
});
