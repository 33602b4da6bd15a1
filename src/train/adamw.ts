// AdamW on GPU tensors with global-norm gradient clipping, as torch.optim.AdamW plus
// torch.nn.utils.clip_grad_norm_ (what HF's Trainer does each optimizer step).
import { z } from 'zod';
import type { Device } from '../gpu/device.js';
import { f32Bits, grid } from '../gpu/recorder.js';
import { ShapeMismatchError } from '../errors.js';
import { shapeString, Tensor } from '../tensor/tensor.js';

/** HF TrainingArguments' defaults. */
export const AdamWConfigSchema = z.object({
  beta1: z.number().min(0).lt(1).default(0.9),
  beta2: z.number().min(0).lt(1).default(0.999),
  eps: z.number().positive().default(1e-8),
  weightDecay: z.number().min(0).default(0),
  /** 0 = no clipping. */
  maxGradNorm: z.number().min(0).default(1),
});
export type AdamWConfig = z.output<typeof AdamWConfigSchema>;

export interface AdamWState {
  step: number;
  m: Map<string, Float32Array>;
  v: Map<string, Float32Array>;
}

export class AdamW {
  private t = 0;
  private readonly m = new Map<string, Tensor>();
  private readonly v = new Map<string, Tensor>();

  constructor(
    readonly device: Device,
    readonly params: ReadonlyMap<string, Tensor>,
    readonly config: AdamWConfig,
  ) {
    for (const [name, p] of params) {
      if (p.dtype !== 'f32' || p.chunks.length !== 1) throw new ShapeMismatchError(`AdamW: parameter ${name} ${shapeString(p.shape)} must be f32 in one binding`);
      const zeros = new Float32Array(p.size);
      this.m.set(name, Tensor.from(device, zeros, p.shape));
      this.v.set(name, Tensor.from(device, zeros, p.shape));
    }
  }

  get stepCount(): number {
    return this.t;
  }

  /** Global L2 norm of the gradients: one Σg² per tensor on the GPU, one readback. */
  async gradNorm(grads: ReadonlyMap<string, Tensor>): Promise<number> {
    const names = [...this.params.keys()];
    const sums = Tensor.empty(this.device, [names.length]);
    const kernel = this.device.kernels.get('sum_squares');
    names.forEach((name, slot) => {
      const g = this.gradFor(grads, name);
      this.device.recorder.dispatch(kernel, [g.size, slot], [g.buffer, sums.buffer], [1]);
    });
    const values = await sums.readFloat();
    sums.dispose();
    return Math.sqrt(values.reduce((a, b) => a + b, 0));
  }

  /** Clips to maxGradNorm, applies one update at learning rate `lr`, and returns the pre-clip norm. */
  async step(grads: ReadonlyMap<string, Tensor>, lr: number): Promise<number> {
    const norm = await this.gradNorm(grads);
    const { beta1, beta2, eps, weightDecay, maxGradNorm } = this.config;
    const scale = maxGradNorm > 0 && norm > maxGradNorm ? maxGradNorm / (norm + 1e-6) : 1;
    this.t++;
    const kernel = this.device.kernels.get('adamw', {}, 'step');
    const hyper = [lr, beta1, beta2, eps, weightDecay, 1 - beta1 ** this.t, 1 - beta2 ** this.t, scale].map(f32Bits);
    for (const [name, p] of this.params) {
      const buffers = [p.buffer, this.gradFor(grads, name).buffer, this.m.get(name)!.buffer, this.v.get(name)!.buffer];
      this.device.recorder.dispatch(kernel, [p.size, ...hyper], buffers, grid(Math.ceil(p.size / 256)));
    }
    return norm;
  }

  async exportState(): Promise<AdamWState> {
    const read = async (tensors: Map<string, Tensor>) =>
      new Map(await Promise.all([...tensors].map(async ([n, t]) => [n, (await t.read()) as Float32Array] as const)));
    return { step: this.t, m: await read(this.m), v: await read(this.v) };
  }

  importState(state: AdamWState): void {
    for (const [which, source] of [[this.m, state.m], [this.v, state.v]] as const) {
      for (const [name, t] of which) {
        const values = source.get(name);
        if (!values || values.length !== t.size) throw new ShapeMismatchError(`AdamW state: ${name} missing or of another size`);
        t.write(values);
      }
    }
    this.t = state.step;
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
  }

  private gradFor(grads: ReadonlyMap<string, Tensor>, name: string): Tensor {
    const g = grads.get(name);
    const p = this.params.get(name)!;
    if (!g || g.size !== p.size) throw new ShapeMismatchError(`AdamW: gradient of ${name} ${g ? shapeString(g.shape) : 'missing'}, parameter ${shapeString(p.shape)}`);
    return g;
  }
}
