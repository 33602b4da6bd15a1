// The Vulkan path real NVIDIA and AMD GPUs take, on SwiftShader: core features and subgroups.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { NoAdapterError } from '../../src/errors.js';
import { adapterKind } from '../../src/gpu/adapter-kind.js';
import { createDevice } from '../../src/platform/node.js';
import { swiftShaderDevice } from '../helpers/gpu.js';

const device = await swiftShaderDevice();

afterEach(() => {
  vi.unstubAllEnvs();
});

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

  it("names SwiftShader's Vulkan driver and its variables when the Vulkan loader finds no driver", async () => {
    vi.stubEnv('VK_ICD_FILENAMES', '/nonexistent/vk_icd.json'); // the loader reads it for each new instance
    const error = await createDevice({ backend: 'vulkan' }).then(
      (d) => (d.destroy(), null),
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(NoAdapterError);
    expect((error as Error).message).toMatch(/backend 'vulkan'.*SwiftShader.*LD_LIBRARY_PATH=.*VK_ICD_FILENAMES=/);
  });
});
