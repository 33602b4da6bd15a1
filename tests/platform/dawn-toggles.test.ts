// Which Dawn toggles a Node device asks for: NVIDIA's the f16 and Vulkan-memory-model ones, every
// other adapter none.
import { describe, expect, it } from 'vitest';
import { dawnToggles, toggleFlags } from '../../src/platform/dawn-toggles.js';

const names = (n: Partial<GPUAdapterInfo>) => ({ vendor: '', architecture: '', device: '', description: '', ...n });

describe('dawnToggles', () => {
  it.each([
    [{ vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H200' }],
    [{ vendor: 'nvidia', architecture: 'ada-lovelace' }],
    [{ description: 'NVIDIA GeForce RTX 4090' }],
  ])('asks for vulkan_enable_f16_on_nvidia and use_vulkan_memory_model on NVIDIA (%o)', (info) => {
    expect(dawnToggles(names(info))).toEqual(['vulkan_enable_f16_on_nvidia', 'use_vulkan_memory_model']);
  });

  it.each([
    [{ vendor: 'amd', description: 'AMD Radeon RX 7900 XTX (RADV NAVI31)' }],
    [{ vendor: 'intel', architecture: 'xe-lpg' }],
    [{ vendor: 'apple', architecture: 'metal-3' }],
    [{ vendor: 'google', architecture: 'swiftshader', device: 'swiftshader-device-subzero-' }],
    [{ vendor: 'mesa', description: 'llvmpipe (LLVM 19.1.7, 256 bits)' }],
  ])('asks for none elsewhere (%o)', (info) => {
    expect(dawnToggles(names(info))).toEqual([]);
  });
});

describe('toggleFlags', () => {
  it("is dawn.node's enable-dawn-features flag with the toggles comma-separated, and no flag for none", () => {
    expect(toggleFlags(['vulkan_enable_f16_on_nvidia', 'use_vulkan_memory_model'])).toEqual(['enable-dawn-features=vulkan_enable_f16_on_nvidia,use_vulkan_memory_model']);
    expect(toggleFlags([])).toEqual([]);
  });
});
