// Reference of the 4-bit products: the plain matmul against the dequantized weight.
import { dequantizeWeight, type HostQuantWeight } from '../quant/quantize.js';
import { matmulRef } from './matmul.js';

/** x: (M,K), w: (N,K) 4-bit, bias: (N) → (M,N) */
export function quantMatmulRef(x: Float32Array, w: HostQuantWeight, bias?: Float32Array): Float32Array {
  const [N, K] = w.shape;
  return matmulRef(x, dequantizeWeight(w), { M: x.length / K, K, N, transB: true }, bias);
}

/** dy: (M,N), w: (N,K) 4-bit → dx: (M,K) = dy·W */
export function quantMatmulBackwardInputRef(dy: Float32Array, w: HostQuantWeight): Float32Array {
  const [N, K] = w.shape;
  return matmulRef(dy, dequantizeWeight(w), { M: dy.length / N, K: N, N: K });
}
