// Reuses freed GPU buffers by size so a repeated step allocates nothing after its first run.

/** Read lazily: in Node the GPU* globals exist only once createDevice has installed them. */
const usage = (): number => GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;

/** Sizes are rounded to 256 bytes so near-equal requests share a bucket. */
function bucketOf(bytes: number): number {
  return Math.max(256, Math.ceil(bytes / 256) * 256);
}

export class BufferPool {
  private readonly free = new Map<number, GPUBuffer[]>();
  private liveBytes = 0;
  private peak = 0;

  constructor(private readonly gpu: GPUDevice) {}

  /** Bytes held by live (not released) buffers, and the most ever held at once. */
  get stats(): { liveBytes: number; peakBytes: number } {
    return { liveBytes: this.liveBytes, peakBytes: this.peak };
  }

  resetPeak(): void {
    this.peak = this.liveBytes;
  }

  acquire(bytes: number): GPUBuffer {
    const size = bucketOf(bytes);
    const buffer = this.free.get(size)?.pop() ?? this.gpu.createBuffer({ size, usage: usage() });
    this.track(size);
    return buffer;
  }

  /** A buffer created already holding `data`: no queue write, so no ordering hazard with recorded work. */
  acquireWith(data: ArrayBufferView): GPUBuffer {
    const size = bucketOf(data.byteLength);
    const buffer = this.gpu.createBuffer({ size, usage: usage(), mappedAtCreation: true });
    new Uint8Array(buffer.getMappedRange()).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    buffer.unmap();
    this.track(size);
    return buffer;
  }

  /** Later commands are ordered after earlier ones, so a freed buffer may be reused within the same encoder. */
  release(buffer: GPUBuffer): void {
    const list = this.free.get(buffer.size) ?? [];
    list.push(buffer);
    this.free.set(buffer.size, list);
    this.liveBytes -= buffer.size;
  }

  /** Frees the cached (not live) buffers. */
  trim(): void {
    for (const list of this.free.values()) for (const b of list) b.destroy();
    this.free.clear();
  }

  destroy(): void {
    this.trim();
  }

  private track(size: number): void {
    this.liveBytes += size;
    this.peak = Math.max(this.peak, this.liveBytes);
  }
}
