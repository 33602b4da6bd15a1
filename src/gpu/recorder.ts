// Command recording: every op appends a dispatch to one encoder; nothing is submitted until a
// readback or an explicit flush, so a whole forward or training step is one submission.
import { WgmlError } from '../errors.js';
import { BindGroupCache, type Binding } from './bind-groups.js';
import type { Kernel, KernelRegistry } from './kernels.js';

/** Uniform blocks repeat across steps, so they are cached by content and never rewritten. */
const UNIFORM_CACHE_LIMIT = 8192;

const bitsView = new DataView(new ArrayBuffer(4));

/** The u32 word holding `x` as f32, for float fields of a uniform block. */
export function f32Bits(x: number): number {
  bitsView.setFloat32(0, x, true);
  return bitsView.getUint32(0, true);
}

export class Recorder {
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  /** The pipeline the open pass has set, so a run of one kernel sets it once. */
  private pipeline: GPUComputePipeline | null = null;
  private readonly uniforms = new Map<string, GPUBuffer>();
  readonly bindGroups: BindGroupCache;
  private retired: GPUBuffer[] = [];
  private errors: Promise<GPUError | null>[] = [];
  dispatches = 0;

  constructor(
    private readonly gpu: GPUDevice,
    private readonly kernels: KernelRegistry,
    /** Called after each submission: nothing recorded is left unsubmitted. */
    private readonly onSubmitted: () => void = () => {},
  ) {
    this.bindGroups = new BindGroupCache(gpu);
  }

  /** Whether commands are recorded and not yet submitted. */
  get recording(): boolean {
    return this.encoder !== null;
  }

  /** Records one dispatch. `params` (u32 words; see f32Bits) become the uniform block at binding 0; `buffers` (or texture views) bind from 1 on. */
  dispatch(kernel: Kernel, params: ArrayLike<number>, buffers: Binding[], groups: [number, number?, number?]): void {
    const pass = this.computePass(); // first, so the encoder's error scope also covers the bind group
    const bindGroup = this.bindGroups.get(kernel, this.uniform(params), buffers);
    if (this.pipeline !== kernel.pipeline) pass.setPipeline((this.pipeline = kernel.pipeline));
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(groups[0], groups[1] ?? 1, groups[2] ?? 1);
    this.dispatches++;
  }

  copy(src: GPUBuffer, srcOffset: number, dst: GPUBuffer, dstOffset: number, bytes: number): void {
    this.endPass();
    this.commandEncoder().copyBufferToBuffer(src, srcOffset, dst, dstOffset, bytes);
  }

  /** Copies `rows` rows of `bytesPerRow` bytes at `offset` of `src` into `layer` of a 2-D array texture. */
  copyToTexture(src: GPUBuffer, offset: number, bytesPerRow: number, texture: GPUTexture, layer: number, rows: number): void {
    this.endPass();
    this.commandEncoder().copyBufferToTexture({ buffer: src, offset, bytesPerRow }, { texture, origin: [0, 0, layer] }, [bytesPerRow / 16, rows, 1]);
  }

  flush(): void {
    if (!this.encoder) return;
    this.endPass();
    const commands = this.encoder.finish();
    this.encoder = null;
    this.gpu.queue.submit([commands]);
    this.onSubmitted();
    this.errors.push(this.gpu.popErrorScope());
    if (this.uniforms.size > UNIFORM_CACHE_LIMIT) {
      for (const b of this.uniforms.values()) this.retired.push(b);
      this.uniforms.clear();
      this.bindGroups.clear();
    } else this.bindGroups.clear(true);
  }

  /** Submits pending work and copies `bytes` at `offset` of `src` back to the CPU. */
  async read(src: GPUBuffer, offset: number, bytes: number): Promise<ArrayBuffer> {
    const size = Math.ceil(bytes / 4) * 4;
    const staging = this.gpu.createBuffer({ size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    this.copy(src, offset, staging, 0, size);
    this.flush();
    await this.checkErrors();
    await staging.mapAsync(GPUMapMode.READ);
    const out = staging.getMappedRange().slice(0, bytes);
    staging.destroy();
    for (const b of this.retired.splice(0)) b.destroy();
    return out;
  }

  /** Throws the first shader compile error, else the first GPU validation error, from submitted work. */
  async checkErrors(): Promise<void> {
    await this.kernels.check();
    const errors = await Promise.all(this.errors.splice(0));
    const error = errors.find((e) => e !== null);
    if (error) throw new WgmlError(`GPU error: ${error.message}`);
  }

  private uniform(params: ArrayLike<number>): GPUBuffer {
    const words = new Uint32Array(Math.max(4, Math.ceil(params.length / 4) * 4));
    for (let i = 0; i < params.length; i++) words[i] = params[i]! >>> 0;
    const key = words.join(',');
    let buffer = this.uniforms.get(key);
    if (!buffer) {
      buffer = this.gpu.createBuffer({ size: words.byteLength, usage: GPUBufferUsage.UNIFORM, mappedAtCreation: true });
      new Uint32Array(buffer.getMappedRange()).set(words);
      buffer.unmap();
      this.uniforms.set(key, buffer);
    }
    return buffer;
  }

  private commandEncoder(): GPUCommandEncoder {
    if (!this.encoder) {
      this.gpu.pushErrorScope('validation');
      this.encoder = this.gpu.createCommandEncoder();
    }
    return this.encoder;
  }

  private computePass(): GPUComputePassEncoder {
    this.pass ??= this.commandEncoder().beginComputePass();
    return this.pass;
  }

  private endPass(): void {
    this.pass?.end();
    this.pass = null;
    this.pipeline = null;
  }
}

/** Spreads `groups` workgroups over x and y, since one dimension holds at most 65535. Kernels index x + y·65535. */
export function grid(groups: number): [number, number] {
  return [Math.min(groups, 65535), Math.max(1, Math.ceil(groups / 65535))];
}
