// Device acquisition: the best Dawn adapter, else OpenGL ES on llvmpipe (see DESIGN.md "Adapters").
import { create, globals } from 'webgpu';
import { NoAdapterError } from '../errors.js';
import { BufferPool } from './buffer-pool.js';
import { KernelRegistry } from './kernels.js';
import { Recorder } from './recorder.js';

export type Backend = 'auto' | 'vulkan' | 'metal' | 'd3d12' | 'opengles';

export interface DeviceOptions {
  backend?: Backend;
  /** Cap on bytes per storage binding; tests lower it to exercise the chunked paths. */
  maxBindingBytes?: number;
}

export interface DeviceFeatures {
  shaderF16: boolean;
  subgroups: boolean;
}

export interface AdapterSummary {
  backend: string;
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  featureLevel: 'core' | 'compatibility';
}

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
] as const;

const MESA_HINT =
  'On Linux without a GPU install Mesa for the OpenGL ES fallback: ' +
  'apt-get install libegl1 libegl-mesa0 libgles2 libgl1-mesa-dri. ' +
  'With a GPU, install its Vulkan driver (e.g. mesa-vulkan-drivers or the NVIDIA driver with libvulkan1).';

interface Found {
  /** Dawn's instance; it must outlive the device or the process aborts once it is collected. */
  instance: GPU;
  adapter: GPUAdapter;
  backend: string;
  featureLevel: 'core' | 'compatibility';
}

async function requestFrom(flags: string[], featureLevel: 'core' | 'compatibility'): Promise<Pick<Found, 'instance' | 'adapter'> | null> {
  try {
    const instance = create(flags);
    const adapter = await instance.requestAdapter({ powerPreference: 'high-performance', featureLevel });
    return adapter && { instance, adapter };
  } catch {
    return null;
  }
}

async function findAdapter(backend: Backend): Promise<Found> {
  if (backend !== 'auto' && backend !== 'opengles') {
    const found = await requestFrom([`backend=${backend}`], 'core');
    if (found) return { ...found, backend, featureLevel: 'core' };
    throw new NoAdapterError(`No WebGPU adapter on backend '${backend}'. ${MESA_HINT}`);
  }
  if (backend === 'auto') {
    const found = await requestFrom([], 'core');
    if (found && !found.adapter.info.isFallbackAdapter) return { ...found, backend: 'native', featureLevel: 'core' };
  }
  // Dawn's GLES backend needs an EGL display without a window system.
  process.env.EGL_PLATFORM ??= 'surfaceless';
  const found = await requestFrom(['backend=opengles'], 'compatibility');
  if (found) return { ...found, backend: 'opengles', featureLevel: 'compatibility' };
  throw new NoAdapterError(`No WebGPU adapter could be had (tried ${backend === 'auto' ? 'native, then ' : ''}OpenGL ES). ${MESA_HINT}`);
}

export class Device {
  readonly pool: BufferPool;
  readonly kernels: KernelRegistry;
  readonly recorder: Recorder;
  readonly maxBindingBytes: number;

  constructor(
    /** Held so Dawn is not collected while the device lives. */
    readonly instance: GPU,
    readonly gpu: GPUDevice,
    readonly info: AdapterSummary,
    readonly features: DeviceFeatures,
    maxBindingBytes: number,
  ) {
    this.maxBindingBytes = maxBindingBytes;
    this.pool = new BufferPool(gpu);
    this.kernels = new KernelRegistry(gpu);
    this.recorder = new Recorder(gpu, this.kernels);
  }

  get limits(): GPUSupportedLimits {
    return this.gpu.limits;
  }

  /** Submits everything recorded so far. */
  flush(): void {
    this.recorder.flush();
  }

  /** Submits everything recorded and waits until the GPU has finished it, surfacing any error. */
  async sync(): Promise<void> {
    this.recorder.flush();
    await this.gpu.queue.onSubmittedWorkDone();
    await this.recorder.checkErrors();
  }

  destroy(): void {
    this.recorder.flush();
    this.pool.destroy();
    this.gpu.destroy();
  }
}

export async function createDevice(options: DeviceOptions = {}): Promise<Device> {
  // Node has no GPUBufferUsage & co. until Dawn's are installed.
  if (!('GPUBufferUsage' in globalThis)) Object.assign(globalThis, globals);
  const found = await findAdapter(options.backend ?? 'auto');
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
  return new Device(found.instance, gpu, summary, features, Math.min(bindingCap, options.maxBindingBytes ?? Infinity));
}
