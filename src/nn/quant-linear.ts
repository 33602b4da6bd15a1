// A frozen 4-bit linear layer: Linear's interface (y = x·Wᵀ + b, W stored (out, in)) over a
// QuantTensor, plus the input gradient for backpropagating through it (QLoRA's base layers).
import type { QuantTensor } from '../quant/quant-tensor.js';
import { quantMatmul, quantMatmulBackwardInput } from '../tensor/ops/quant-matmul.js';
import type { Tensor } from '../tensor/tensor.js';

export class QuantLinear {
  constructor(
    readonly weight: QuantTensor,
    readonly bias?: Tensor,
  ) {}

  get outFeatures(): number {
    return this.weight.shape[0];
  }

  /** x: (N,in) f32 → (N,out) f32 */
  forward(x: Tensor): Tensor {
    return quantMatmul(x, this.weight, { bias: this.bias });
  }

  /** dY: (N,out) f32 → dX: (N,in) f32, the gradient of forward's input (the weight is frozen). */
  backwardInput(dY: Tensor): Tensor {
    return quantMatmulBackwardInput(dY, this.weight);
  }

  dispose(): void {
    this.weight.dispose();
    this.bias?.dispose();
  }
}
