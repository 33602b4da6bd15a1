import { create } from 'webgpu';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { NoAdapterError } from '../../src/errors.js';
import { createDevice } from '../../src/platform/node.js';
import { formatCompileError } from '../../src/gpu/kernels.js';
import { testDevice } from '../helpers/gpu.js';

const device = await testDevice();
const MESA_PACKAGES = ['libegl1', 'libegl-mesa0', 'libgles2', 'libgl1-mesa-dri'];

/** Whether Dawn offers a native (non-fallback) core adapter here, the one createDevice must prefer. */
async function nativeAdapterExists(): Promise<boolean> {
  try {
    const adapter = await create([]).requestAdapter({ powerPreference: 'high-performance', featureLevel: 'core' });
    return adapter !== null && !adapter.info.isFallbackAdapter;
  } catch {
    return false;
  }
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('createDevice', () => {
  it('runs on the backend CI expects (WGML_EXPECT_BACKEND), so a silent fallback fails', () => {
    const expected = process.env.WGML_EXPECT_BACKEND;
    if (expected) expect(device.info.backend, `WGML_EXPECT_BACKEND=${expected}`).toBe(expected);
    expect(device.info.featureLevel).toBe(device.info.backend === 'opengles' ? 'compatibility' : 'core');
  });

  it('falls back to OpenGL ES only where Dawn offers no native adapter', async () => {
    const native = await nativeAdapterExists();
    expect(device.info.backend, native ? 'a native adapter exists' : 'no native adapter').toBe(native ? 'native' : 'opengles');
  });

  it('reports the features kernels pick variants by as the device has them', () => {
    expect(device.features.shaderF16).toBe(device.gpu.features.has('shader-f16'));
    expect(device.features.subgroups).toBe(device.gpu.features.has('subgroups'));
  });

  it('names the Mesa packages to install when the OpenGL ES fallback cannot start', async () => {
    vi.stubEnv('EGL_PLATFORM', 'x11');
    vi.stubEnv('DISPLAY', undefined);
    const error = await createDevice({ backend: 'opengles' }).then(
      (d) => (d.destroy(), null),
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(NoAdapterError);
    expect((error as Error).name).toBe('NoAdapterError');
    for (const pkg of MESA_PACKAGES) expect((error as Error).message).toContain(pkg);
  });

  it('names the packages and drivers when an asked-for backend is not on this machine', async () => {
    const absent = process.platform === 'win32' ? 'metal' : 'd3d12';
    await expect(createDevice({ backend: absent })).rejects.toThrow(NoAdapterError);
    await expect(createDevice({ backend: absent })).rejects.toThrow(new RegExp(`backend '${absent}'.*${MESA_PACKAGES.join(' ')}.*Vulkan driver`));
  });

  it('requests the adapter limits the kernels need rather than the defaults', () => {
    expect(device.limits.maxStorageBuffersPerShaderStage).toBeGreaterThanOrEqual(8);
    expect(device.limits.maxComputeWorkgroupStorageSize).toBeGreaterThanOrEqual(16384);
    expect(device.maxBindingBytes).toBe(Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize));
  });

  it('caches a pipeline per shader and override set', () => {
    const a = device.kernels.get('matmul', { TRANS_B: true });
    expect(device.kernels.get('matmul', { TRANS_B: true })).toBe(a);
    expect(device.kernels.get('matmul', { TRANS_B: false })).not.toBe(a);
  });

  it('formats a WGSL compile error with the shader name, line and source', async () => {
    const code = 'fn f() -> f32 {\n  return 1.0;\n}\n@compute @workgroup_size(1) fn main() { let x: u32 = 1.0; }\n';
    const module = device.gpu.createShaderModule({ code });
    const info = await module.getCompilationInfo();
    const text = formatCompileError('broken', code, info.messages);
    expect(text).toMatch(/^WGSL compile error in broken\.wgsl/);
    expect(text).toMatch(/broken\.wgsl:4:\d+: /);
    expect(text).toContain('let x: u32 = 1.0;');
  });

  it('surfaces a missing shader as an error naming the file', () => {
    expect(() => device.kernels.get('no_such_kernel')).toThrow(/no_such_kernel\.wgsl/);
  });
});
