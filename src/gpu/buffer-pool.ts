// Reuses freed GPU buffers by size so a repeated step allocates nothing after its first run. A free
// list hands out its oldest buffer first, so which buffer a request gets depends only on which are
// free, not on the order they were freed in: a step that starts with the same free buffers gets the
// same buffers as last time, and the recorder's cached bind groups match again.

/** Read lazily: in Node the GPU* globals exist only once createDevice has installed them. */
const usage = (): number => GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;

/** Sizes are rounded to 256 bytes so near-equal requests share a bucket. */
function bucketOf(bytes: number): number {
  return Math.max(256, Math.ceil(bytes / 256) * 256);
}

export class BufferPool {
  /** Per size, newest first, so pop() takes the oldest. */
  private readonly free = new Map<number, GPUBuffer[]>();
  /** Creation order of every buffer the pool has seen. */
  private readonly ages = new WeakMap<GPUBuffer, number>();
  private created = 0;
  /** Freed since the last submission: recorded, unsubmitted commands may still read them, so no queue write may land in them. */
  private readonly unsettled = new Set<GPUBuffer>();
  private liveBytes = 0;
  private peak = 0;

  constructor(
    private readonly gpu: GPUDevice,
    /** Whether commands are recorded and not yet submitted (the recorder's encoder is open). */
    private readonly recording: () => boolean = () => false,
  ) {}

  /** Bytes held by live (not released) buffers, and the most ever held at once. */
  get stats(): { liveBytes: number; peakBytes: number } {
    return { liveBytes: this.liveBytes, peakBytes: this.peak };
  }

  resetPeak(): void {
    this.peak = this.liveBytes;
  }

  acquire(bytes: number): GPUBuffer {
    const size = bucketOf(bytes);
    const buffer = this.free.get(size)?.pop() ?? this.aged(this.gpu.createBuffer({ size, usage: usage() }));
    this.unsettled.delete(buffer);
    this.track(size);
    return buffer;
  }

  /**
   * A buffer holding `data`: a settled free one filled by a queue write (ordered after all submitted work
   * and before any still recorded), else a new one created mapped.
   */
  acquireWith(data: ArrayBufferView): GPUBuffer {
    const size = bucketOf(data.byteLength);
    const settled = data.byteLength % 4 === 0 ? this.takeSettled(size) : null;
    if (settled) this.gpu.queue.writeBuffer(settled, 0, data.buffer, data.byteOffset, data.byteLength);
    const buffer = settled ?? this.createWith(size, data);
    this.track(size);
    return buffer;
  }

  /** Later commands are ordered after earlier ones, so a freed buffer may be reused within the same encoder. */
  release(buffer: GPUBuffer): void {
    const list = this.free.get(buffer.size) ?? [];
    list.splice(this.placeOf(list, this.ageOf(buffer)), 0, buffer);
    this.free.set(buffer.size, list);
    if (this.recording()) this.unsettled.add(buffer);
    this.liveBytes -= buffer.size;
  }

  /** Everything recorded so far has been submitted: every freed buffer may take a queue write. */
  settle(): void {
    this.unsettled.clear();
  }

  /** Frees the cached (not live) buffers. */
  trim(): void {
    for (const list of this.free.values()) for (const b of list) b.destroy();
    this.free.clear();
    this.unsettled.clear();
  }

  destroy(): void {
    this.trim();
  }

  /** The oldest settled buffer of `size`, out of the free list; null if none. */
  private takeSettled(size: number): GPUBuffer | null {
    const list = this.free.get(size);
    if (!list) return null;
    for (let i = list.length - 1; i >= 0; i--) {
      const buffer = list[i]!;
      if (this.unsettled.has(buffer)) continue;
      list.splice(i, 1);
      return buffer;
    }
    return null;
  }

  private createWith(size: number, data: ArrayBufferView): GPUBuffer {
    const buffer = this.gpu.createBuffer({ size, usage: usage(), mappedAtCreation: true });
    new Uint8Array(buffer.getMappedRange()).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    buffer.unmap();
    return this.aged(buffer);
  }

  /** Where a buffer of `age` goes in a newest-first list: after every newer one (binary search). */
  private placeOf(list: readonly GPUBuffer[], age: number): number {
    let [lo, hi] = [0, list.length];
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ageOf(list[mid]!) > age) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private aged(buffer: GPUBuffer): GPUBuffer {
    this.ages.set(buffer, this.created++);
    return buffer;
  }

  /** A buffer made elsewhere and released here counts as the newest. */
  private ageOf(buffer: GPUBuffer): number {
    if (!this.ages.has(buffer)) this.aged(buffer);
    return this.ages.get(buffer)!;
  }

  private track(size: number): void {
    this.liveBytes += size;
    this.peak = Math.max(this.peak, this.liveBytes);
  }
}
