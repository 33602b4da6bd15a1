// Where a backward pass puts its gradients: by name, for the tensors marked trainable (full-parameter
// training names base weights here; LoRA adapters carry their own names).
import { add } from '../tensor/ops/elementwise.js';
import type { Tensor } from '../tensor/tensor.js';

export class GradSink {
  constructor(
    /** Trainable tensors and their HF names; any other tensor is frozen. */
    private readonly names: ReadonlyMap<Tensor, string> = new Map(),
    readonly values: Map<string, Tensor> = new Map(),
  ) {}

  nameOf(t: Tensor | undefined): string | undefined {
    return t && this.names.get(t);
  }

  /** Adds `grad` into the gradient called `name`; `grad` is consumed. */
  add(name: string, grad: Tensor): void {
    const prev = this.values.get(name);
    if (!prev) {
      this.values.set(name, grad);
      return;
    }
    this.values.set(name, add(prev, grad));
    prev.dispose();
    grad.dispose();
  }
}
