// Linear layer as in nn.Linear: y = x·Wᵀ + b with W stored (out, in), frozen in its checkpoint dtype.
import { matmul, matmulBackward } from '../tensor/ops/matmul.js';
import type { GradSink } from './grads.js';
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

  /** Undoes `y = x·Wᵀ + b` for a trainable W (and b): dW, db into `sink`; returns dX. x: the forward's input (N,in). */
  backward(dY: Tensor, x: Tensor, sink: GradSink): Tensor {
    const wName = sink.nameOf(this.weight)!;
    const bName = sink.nameOf(this.bias);
    const g = matmulBackward(dY, x, this.weight, { transB: true, weightGrad: true, biasGrad: bName !== undefined, into: { dB: sink.values.get(wName) } });
    sink.values.set(wName, g.dB!);
    if (bName) sink.add(bName, g.dBias!);
    return g.dA!;
  }

  dispose(): void {
    this.weight.dispose();
    this.bias?.dispose();
  }
}
