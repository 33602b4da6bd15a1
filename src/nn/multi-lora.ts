// Several LoRA adapters on one projection at once, each row of a batch choosing its own (S-LoRA,
// Punica): the base output plus loraRows over adapters stacked by whoever loads them. Inference only.
import { loraRows, type StackedAdapters } from '../tensor/ops/lora-rows.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Projection } from './projection.js';

/** The current step's adapter index for every token row (−1: none), shared by all projections of a model. */
export class RowAdapters {
  rows: Tensor | null = null;
}

export class MultiLoraLinear implements Projection {
  private stack: StackedAdapters | null = null;

  constructor(
    readonly base: Projection,
    /** (out, in) of the base weight. */
    readonly shape: [number, number],
    private readonly current: RowAdapters,
  ) {}

  /** Whether this step adds an adapter to the base; when not, forward is the base's. */
  get active(): boolean {
    return this.stack !== null && this.current.rows !== null;
  }

  /** x: (N,in) f32 → (N,out) f32: the base, plus each row's adapter when the step names one. */
  forward(x: Tensor): Tensor {
    const y = this.base.forward(x);
    if (this.active) loraRows(y, x, this.current.rows!, this.stack!);
    return y;
  }

  backwardInput(dY: Tensor): Tensor {
    return this.base.backwardInput(dY);
  }

  /** Replaces the stacked adapters (null: none), freeing the previous stack. */
  setStack(stack: StackedAdapters | null): void {
    this.disposeStack();
    this.stack = stack;
  }

  private disposeStack(): void {
    if (!this.stack) return;
    for (const t of [this.stack.A, this.stack.B, this.stack.scales]) t.dispose();
    this.stack = null;
  }

  dispose(): void {
    this.disposeStack();
    this.base.dispose();
  }
}
