// Linear layer as in nn.Linear: y = x·Wᵀ + b with W stored (out, in), frozen in its checkpoint dtype.
import { matmul } from '../tensor/ops/matmul.js';
import type { Tensor } from '../tensor/tensor.js';

export class Linear {
  constructor(
    /** Replaced when an adapter is merged in. */
    public weight: Tensor,
    readonly bias?: Tensor,
  ) {}

  get outFeatures(): number {
    return this.weight.shape[0]!;
  }

  /** x: (N,in) f32 → (N,out) f32 */
  forward(x: Tensor): Tensor {
    return matmul(x, this.weight, { transB: true, bias: this.bias });
  }

  /** Undoes `y = x·Wᵀ + b` for x only: dX = dY·W (a chunked W, such as an LM head, included). dY: (N,out) f32 → (N,in) f32 */
  backwardInput(dY: Tensor): Tensor {
    return matmul(dY, this.weight);
  }

  dispose(): void {
    this.weight.dispose();
    this.bias?.dispose();
  }
}
