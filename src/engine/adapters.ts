// The engine's LoRA adapters: PEFT directories loaded and unloaded at run time, stacked per projection
// so that every row of a step applies its own adapter (or none) in the same dispatch.
import { CheckpointFormatError, WgmlError } from '../errors.js';
import { LORA_TARGETS, loraScaling, loraTensorName, type LoraTarget, type PeftAdapter } from '../io/peft-format.js';
import { FIELD, targetShape } from '../nn/lora-adapter.js';
import { MultiLoraLinear, RowAdapters } from '../nn/multi-lora.js';
import type { QwenModel } from '../nn/qwen.js';
import { Tensor } from '../tensor/tensor.js';

/** A name no loaded adapter has. */
export class UnknownAdapterError extends WgmlError {}
/** An adapter that running or waiting requests still use. */
export class AdapterInUseError extends WgmlError {}

interface LoadedAdapter {
  dir: string;
  scaling: number;
  /** By `${layer}.${target}`: A (r,in), B (out,r). */
  weights: Map<string, { A: Float32Array; B: Float32Array; r: number }>;
}

const key = (layer: number, target: LoraTarget) => `${layer}.${target}`;

export class AdapterRegistry {
  private readonly loaded = new Map<string, LoadedAdapter>();
  private readonly wrapped = new Map<string, MultiLoraLinear>();
  /** The step's per-token adapter rows, read by every wrapped projection. */
  readonly current = new RowAdapters();

  constructor(private readonly net: QwenModel) {}

  get names(): string[] {
    return [...this.loaded.keys()];
  }

  dirOf(name: string): string | undefined {
    return this.loaded.get(name)?.dir;
  }

  /** The stack index of `name`, −1 for none (the base). */
  index(name: string | undefined): number {
    if (name === undefined) return -1;
    const i = this.names.indexOf(name);
    if (i < 0) throw new UnknownAdapterError(`adapter "${name}" is not loaded (loaded: ${this.names.join(', ') || 'none'})`);
    return i;
  }

  /** Takes a PEFT adapter under `name`, read by `read` (the platform's file access), checking every tensor against the model's shapes. */
  async load(name: string, dir: string, read: (dir: string) => Promise<PeftAdapter>): Promise<void> {
    if (this.loaded.has(name)) throw new WgmlError(`adapter "${name}" is already loaded (from ${this.loaded.get(name)!.dir}); unload it first`);
    const { config, modules, tensors } = await read(dir);
    const scaling = loraScaling(config);
    const weights = new Map<string, { A: Float32Array; B: Float32Array; r: number }>();
    for (const { layer, target, r, alpha } of modules) {
      const [out, inp] = targetShape(this.net, target);
      const want = { A: [r, inp], B: [out, r] };
      const pick = (which: 'A' | 'B') => {
        const tensorName = loraTensorName(layer, target, which);
        const t = tensors.get(tensorName);
        if (!t) throw new CheckpointFormatError(`${dir}: adapter_model.safetensors has no ${tensorName}, which adapter_config.json's target_modules imply`);
        if (t.shape.join() !== want[which].join()) throw new CheckpointFormatError(`${dir}: ${tensorName} has shape [${t.shape.join(', ')}], the model needs [${want[which].join(', ')}]; was the adapter made for another model?`);
        return t.data;
      };
      // The stack scales each adapter once; a module with its own rank or alpha (rank_pattern,
      // alpha_pattern) carries the ratio of its scale to the adapter's in B.
      const ratio = loraScaling({ r, lora_alpha: alpha, use_rslora: config.use_rslora }) / scaling;
      const B = pick('B');
      weights.set(key(layer, target), { A: pick('A'), B: ratio === 1 ? B : B.map((v) => v * ratio), r });
    }
    this.loaded.set(name, { dir, scaling, weights });
    this.restack();
  }

  unload(name: string): void {
    if (!this.loaded.delete(name)) throw new UnknownAdapterError(`adapter "${name}" is not loaded`);
    this.restack();
  }

  /** Rebuilds every projection's stacked A/B in load order; a projection an adapter lacks gets zeros. */
  private restack(): void {
    const adapters = [...this.loaded.values()];
    this.net.layers.forEach((_, layer) => {
      for (const target of LORA_TARGETS) {
        const parts = adapters.map((a) => a.weights.get(key(layer, target)));
        const module = this.wrap(layer, target);
        if (parts.every((p) => !p)) {
          module.setStack(null);
          continue;
        }
        module.setStack(this.stackOf(module.shape, parts, adapters.map((a) => a.scaling)));
      }
    });
  }

  private stackOf(shape: [number, number], parts: ({ A: Float32Array; B: Float32Array; r: number } | undefined)[], scalings: number[]) {
    const [out, inp] = shape;
    const R = Math.max(...parts.map((p) => p?.r ?? 0));
    const A = new Float32Array(parts.length * R * inp);
    const B = new Float32Array(parts.length * out * R);
    parts.forEach((p, a) => {
      if (!p) return;
      A.set(p.A, a * R * inp);
      for (let o = 0; o < out; o++) B.set(p.B.subarray(o * p.r, (o + 1) * p.r), (a * out + o) * R);
    });
    const device = this.net.device;
    return { A: Tensor.from(device, A, [parts.length, R, inp]), B: Tensor.from(device, B, [parts.length, out, R]), scales: Tensor.from(device, scalings, [parts.length]) };
  }

  /** The layer's projection wrapped for row adapters (again, if something replaced the wrapper). */
  private wrap(layer: number, target: LoraTarget): MultiLoraLinear {
    const w = this.net.layers[layer]!;
    const field = FIELD[target];
    const current = w[field];
    if (current instanceof MultiLoraLinear) return current;
    const module = new MultiLoraLinear(current, targetShape(this.net, target), this.current);
    w[field] = module;
    this.wrapped.set(key(layer, target), module);
    return module;
  }

  /** Frees the stacks; the projections stay wrapped, passing through to their base. */
  dispose(): void {
    for (const m of this.wrapped.values()) m.setStack(null);
    this.loaded.clear();
  }
}
