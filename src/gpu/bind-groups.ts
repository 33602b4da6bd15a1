// Bind groups cached by what they bind: a decode or training step repeats its dispatches with the
// same pool buffers (see buffer-pool.ts) and uniform blocks every time, and creating its 156 bind
// groups took about 2.5 of the 9 ms a batch-1 decode step spent recording on llvmpipe.
import type { Kernel } from './kernels.js';

/** What a kernel binds after its uniform block: a whole buffer, or a texture view. */
export type Binding = GPUBuffer | GPUTextureView;

/** Past this many groups the cache starts over, so groups of buffers long gone cannot pile up. */
const BIND_GROUP_CACHE_LIMIT = 8192;

export class BindGroupCache {
  private readonly groups = new Map<Kernel, Map<string, GPUBindGroup>>();
  /** Bindings are told apart by a number given on first sight (never reused, so a new buffer never meets an old group). */
  private readonly ids = new WeakMap<Binding, number>();
  private nextId = 0;
  private count = 0;

  constructor(private readonly gpu: GPUDevice) {}

  /** Entries in the cache. */
  get size(): number {
    return this.count;
  }

  /** The group binding `uniform` at 0 and `buffers` (whole) or texture views from 1 on, for `kernel`'s layout: cached, else created. */
  get(kernel: Kernel, uniform: GPUBuffer, buffers: readonly Binding[]): GPUBindGroup {
    let key = String(this.idOf(uniform));
    for (const b of buffers) key += `,${this.idOf(b)}`;
    let byKey = this.groups.get(kernel);
    if (!byKey) this.groups.set(kernel, (byKey = new Map()));
    let group = byKey.get(key);
    if (!group) {
      const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: uniform } }];
      buffers.forEach((b, i) => entries.push({ binding: i + 1, resource: isBuffer(b) ? { buffer: b } : b }));
      group = this.gpu.createBindGroup({ layout: kernel.layout, entries });
      byKey.set(key, group);
      this.count++;
    }
    return group;
  }

  /** Drops every group (their uniform buffers are about to be destroyed), or only when past the limit. */
  clear(ifFull = false): void {
    if (ifFull && this.count <= BIND_GROUP_CACHE_LIMIT) return;
    this.groups.clear();
    this.count = 0;
  }

  private idOf(buffer: Binding): number {
    let id = this.ids.get(buffer);
    if (id === undefined) this.ids.set(buffer, (id = this.nextId++));
    return id;
  }
}

/** A buffer has a size; a texture view has none. */
export function isBuffer(b: Binding): b is GPUBuffer {
  return 'size' in b;
}
