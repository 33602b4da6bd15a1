// LoRA as PEFT defines it: y = base(x) + (dropout(x)·Aᵀ)·Bᵀ·scaling, A (r,in), B (out,r), with the base
// weights frozen in whatever form they are stored (bf16, f32 or 4-bit).
import type { Device } from '../gpu/device.js';
import { Rng } from '../cpu/random.js';
import { add, scale } from '../tensor/ops/elementwise.js';
import { matmul } from '../tensor/ops/matmul.js';
import { Tensor } from '../tensor/tensor.js';

/** What LoraLinear wraps: Linear, or a 4-bit QuantLinear. */
export interface FrozenLinear {
  readonly weight: { readonly shape: readonly number[] };
  forward(x: Tensor): Tensor;
  dispose(): void;
}

/** PEFT's init: A ~ kaiming_uniform(a=√5), i.e. U(−1/√in, 1/√in); B = 0, so training starts at the base model. */
export function initLora(rng: Rng, r: number, inFeatures: number, outFeatures: number): { A: Float32Array; B: Float32Array } {
  const bound = 1 / Math.sqrt(inFeatures);
  const A = new Float32Array(r * inFeatures);
  for (let i = 0; i < A.length; i++) A[i] = (2 * rng.next() - 1) * bound;
  return { A, B: new Float32Array(outFeatures * r) };
}

export class LoraLinear {
  constructor(
    readonly base: FrozenLinear,
    /** (r,in) f32 */
    public A: Tensor,
    /** (out,r) f32 */
    public B: Tensor,
    readonly scaling: number,
  ) {}

  static create(device: Device, base: FrozenLinear, values: { A: Float32Array; B: Float32Array }, r: number, scaling: number): LoraLinear {
    const [out, inp] = base.weight.shape as [number, number];
    return new LoraLinear(base, Tensor.from(device, values.A, [r, inp]), Tensor.from(device, values.B, [out, r]), scaling);
  }

  get weight(): { readonly shape: readonly number[] } {
    return this.base.weight;
  }

  /** x: (N,in) f32 → (N,out) f32 */
  forward(x: Tensor): Tensor {
    const y = this.base.forward(x);
    const h = matmul(x, this.A, { transB: true });
    const u = matmul(h, this.B, { transB: true });
    h.dispose();
    const scaled = scale(u, this.scaling);
    u.dispose();
    const out = add(y, scaled);
    y.dispose();
    scaled.dispose();
    return out;
  }

  /** The adapter only; the base belongs to the model. */
  disposeAdapter(): void {
    this.A.dispose();
    this.B.dispose();
  }

  dispose(): void {
    this.disposeAdapter();
    this.base.dispose();
  }
}
