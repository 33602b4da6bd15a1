// The Vulkan path real NVIDIA and AMD GPUs take, on SwiftShader: core features and subgroups.
import { describe, expect, it } from 'vitest';
import { adapterKind } from '../../src/gpu/adapter-kind.js';
import { swiftShaderDevice } from '../helpers/gpu.js';

const device = await swiftShaderDevice();

describe("createDevice({ backend: 'vulkan' }) on SwiftShader", () => {
  it('gets a Vulkan adapter at the core feature level', () => {
    expect(device.info.backend).toBe('vulkan');
    expect(device.info.featureLevel).toBe('core');
    expect(device.info.architecture).toBe('swiftshader');
  });

  it('has subgroups and no shader-f16', () => {
    expect(device.features).toEqual({ subgroups: true, shaderF16: false });
  });

  it('is named a CPU adapter, so the CPU kernel variants are its defaults', () => {
    expect(adapterKind(device.info)).toBe('cpu');
  });
});
