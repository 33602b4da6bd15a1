// A WebGPU device with its buffer pool, kernel registry and recorder; platform-free (src/platform/ acquires one).
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
    /** Reads shaders/<file> as text: the platform's way to the WGSL files. */
    readShader: (file: string) => string,
  ) {
    this.maxBindingBytes = maxBindingBytes;
    this.pool = new BufferPool(gpu, () => this.recorder.recording);
    this.kernels = new KernelRegistry(gpu, readShader);
    this.recorder = new Recorder(gpu, this.kernels, () => this.pool.settle());
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

