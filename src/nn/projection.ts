// The projections of a layer: frozen (Linear, QuantLinear) or carrying a LoRA adapter. Training
// forwards keep what the adapter's backward needs; frozen ones only pass the input gradient on.
import { addConsuming } from '../tensor/ops/elementwise.js';
import { matmulAdd } from '../tensor/ops/matmul.js';
import type { Tensor } from '../tensor/tensor.js';
import type { GradSink } from './grads.js';
import { Linear } from './linear.js';
import { LoraLinear, type LoraSaved } from './lora.js';
import { MultiLoraLinear } from './multi-lora.js';

/** What a layer needs of a projection: Linear (bf16/f32), QuantLinear (4-bit) and LoraLinear all are one. */
export interface Projection {
  /** x: (N,in) f32 → (N,out) f32 */
  forward(x: Tensor): Tensor;
  /** dY: (N,out) f32 → dX: (N,in) f32 through the frozen weight. */
  backwardInput(dY: Tensor): Tensor;
  dispose(): void;
}

export interface Projected {
  y: Tensor;
  saved?: LoraSaved;
}

/** Forward; when training (a seed is given) a LoRA projection draws its dropout mask from `seed` and keeps its inputs. */
export function projectTrain(p: Projection, x: Tensor, seed: number | undefined): Projected {
  return p instanceof LoraLinear && seed !== undefined ? p.forwardTrain(x, seed) : { y: p.forward(x) };
}

/** The frozen Linear that `p.forward` amounts to this step (through a row-adapter wrapper with no adapter active), if any. */
export function frozenLinear(p: Projection): Linear | undefined {
  if (p instanceof Linear) return p;
  if (p instanceof MultiLoraLinear && !p.active) return frozenLinear(p.base);
  return undefined;
}

/** Inference: base + p(x), consuming base; a frozen Linear adds in the product's own dispatch where it can. */
export function projectAdd(p: Projection, x: Tensor, base: Tensor): Tensor {
  const linear = frozenLinear(p);
  if (linear) return matmulAdd(base, x, linear.weight, { transB: true, bias: linear.bias });
  return addConsuming(base, p.forward(x));
}

/** Seed `k` of a layer's dropout stream, or undefined for inference. */
export function subSeed(seed: number | undefined, k: number): number | undefined {
  return seed === undefined ? undefined : (seed * 16 + k) >>> 0;
}

/** dY → dX, adding adapter or (trainable base) weight gradients into `sink`. x: the forward's input. Consumes `saved`. */
export function projectBackward(p: Projection, dY: Tensor, saved: LoraSaved | undefined, x: Tensor, sink: GradSink): Tensor {
  if (p instanceof LoraLinear && saved) return p.backward(dY, saved, sink.values);
  if (p instanceof Linear && sink.nameOf(p.weight)) return p.backward(dY, x, sink);
  return p.backwardInput(dY);
}
