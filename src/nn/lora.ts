// LoRA as PEFT defines it: y = base(x) + (dropout(x)·Aᵀ)·Bᵀ·scaling, A (r,in), B (out,r), with the base
// weights frozen in whatever form they are stored (bf16, f32 or 4-bit).
import type { Device } from '../gpu/device.js';
import { Rng } from '../cpu/random.js';
import { dropout, dropoutBackward } from '../tensor/ops/dropout.js';
import { add, scale } from '../tensor/ops/elementwise.js';
import { matmul, matmulBackward } from '../tensor/ops/matmul.js';
import { Tensor } from '../tensor/tensor.js';
import type { Projection } from './projection.js';

/** PEFT's init: A ~ kaiming_uniform(a=√5), i.e. U(−1/√in, 1/√in); B = 0, so training starts at the base model. */
export function initLora(rng: Rng, r: number, inFeatures: number, outFeatures: number): { A: Float32Array; B: Float32Array } {
  const bound = 1 / Math.sqrt(inFeatures);
  const A = new Float32Array(r * inFeatures);
  for (let i = 0; i < A.length; i++) A[i] = (2 * rng.next() - 1) * bound;
  return { A, B: new Float32Array(outFeatures * r) };
}

/** What the backward needs of a training forward. */
export interface LoraSaved {
  /** dropout(x): (N,in) */
  xd: Tensor;
  /** xd·Aᵀ: (N,r) */
  h: Tensor;
  seed: number;
}

export class LoraLinear implements Projection {
  constructor(
    readonly base: Projection,
    /** (r,in) f32 */
    public A: Tensor,
    /** (out,r) f32 */
    public B: Tensor,
    readonly scaling: number,
    readonly dropoutP: number,
    /** PEFT names of A and B, the keys of their gradients. */
    readonly names: { A: string; B: string },
  ) {}

  static create(device: Device, base: Projection, shape: [number, number], values: { A: Float32Array; B: Float32Array }, o: { r: number; scaling: number; dropout: number; names: { A: string; B: string } }): LoraLinear {
    const [out, inp] = shape;
    return new LoraLinear(base, Tensor.from(device, values.A, [o.r, inp]), Tensor.from(device, values.B, [out, o.r]), o.scaling, o.dropout, o.names);
  }

  /** x: (N,in) f32 → (N,out) f32, no dropout (inference). */
  forward(x: Tensor): Tensor {
    const h = matmul(x, this.A, { transB: true });
    const out = this.addUpdate(this.base.forward(x), h);
    h.dispose();
    return out;
  }

  /** The training forward: dropout on the adapter's input, seeded so the backward regenerates the mask. */
  forwardTrain(x: Tensor, seed: number): { y: Tensor; saved: LoraSaved } {
    const xd = dropout(x, this.dropoutP, seed);
    const h = matmul(xd, this.A, { transB: true });
    return { y: this.addUpdate(this.base.forward(x), h), saved: { xd, h, seed } };
  }

  /**
   * Undoes `y = base(x) + (xd·Aᵀ)·Bᵀ·s`: adds dA and dB into `grads` (by PEFT name) and returns dx.
   * dY: (N,out) f32 → dx: (N,in) f32. Consumes `saved`.
   */
  backward(dY: Tensor, saved: LoraSaved, grads: Map<string, Tensor>): Tensor {
    const dU = scale(dY, this.scaling);
    const { dA: dH, dB } = matmulBackward(dU, saved.h, this.B, { transB: true, weightGrad: true, into: { dB: grads.get(this.names.B) } });
    grads.set(this.names.B, dB!);
    dU.dispose();
    const { dA: dXd, dB: dA } = matmulBackward(dH!, saved.xd, this.A, { transB: true, weightGrad: true, into: { dB: grads.get(this.names.A) } });
    grads.set(this.names.A, dA!);
    dH!.dispose();
    const dXlora = dropoutBackward(dXd!, this.dropoutP, saved.seed);
    dXd!.dispose();
    const dXbase = this.base.backwardInput(dY);
    const dX = add(dXbase, dXlora);
    for (const t of [dXbase, dXlora, saved.xd, saved.h]) t.dispose();
    return dX;
  }

  backwardInput(dY: Tensor): Tensor {
    return this.base.backwardInput(dY);
  }

  /** base(x) + (h·Bᵀ)·s; consumes the base output. */
  private addUpdate(y: Tensor, h: Tensor): Tensor {
    const u = matmul(h, this.B, { transB: true });
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
