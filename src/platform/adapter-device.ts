// An adapter made into wgml's Device, the same on every platform: the limits the kernels rely on
// requested up to what the adapter offers, and the optional features it has.
import { Device, type AdapterSummary, type DeviceOptions } from '../gpu/device.js';

/** Limits the kernels rely on; requested up to what the adapter offers. */
const WANTED_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxStorageBuffersPerShaderStage',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupsPerDimension',
  'maxUniformBufferBindingSize',
  'maxTextureDimension2D',
  'maxTextureArrayLayers',
] as const;

export interface FoundAdapter {
  /** The GPU object the adapter came from; held by the Device (Dawn's must outlive it). */
  instance: GPU;
  adapter: GPUAdapter;
  backend: string;
  featureLevel: 'core' | 'compatibility';
}

export async function deviceFromAdapter(found: FoundAdapter, options: DeviceOptions, readShader: (file: string) => string): Promise<Device> {
  const { adapter } = found;
  const requiredLimits: Record<string, number> = {};
  for (const name of WANTED_LIMITS) requiredLimits[name] = adapter.limits[name];
  const requiredFeatures: GPUFeatureName[] = [];
  for (const f of ['shader-f16', 'subgroups'] as GPUFeatureName[]) if (adapter.features.has(f)) requiredFeatures.push(f);
  const gpu = await adapter.requestDevice({ requiredLimits, requiredFeatures });
  const info = adapter.info;
  const summary: AdapterSummary = {
    backend: found.backend,
    vendor: info.vendor,
    architecture: info.architecture,
    device: info.device,
    description: info.description,
    featureLevel: found.featureLevel,
  };
  const features = { shaderF16: gpu.features.has('shader-f16'), subgroups: gpu.features.has('subgroups') };
  const bindingCap = Math.min(gpu.limits.maxStorageBufferBindingSize, gpu.limits.maxBufferSize);
  return new Device(found.instance, gpu, summary, features, Math.min(bindingCap, options.maxBindingBytes ?? Infinity), readShader);
}
