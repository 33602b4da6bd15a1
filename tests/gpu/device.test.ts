import { describe, expect, it } from 'vitest';
import { formatCompileError } from '../../src/gpu/kernels.js';
import { testDevice } from '../helpers/gpu.js';

const device = await testDevice();

describe('createDevice', () => {
  it('reports the adapter, its backend and the features kernels pick variants by', () => {
    expect(device.info.backend).toMatch(/native|vulkan|metal|d3d12|opengles/);
    expect(typeof device.features.shaderF16).toBe('boolean');
    expect(typeof device.features.subgroups).toBe('boolean');
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
