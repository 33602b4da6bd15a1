// SwiGLU, the Qwen MLP's activation: down_proj(silu(gate_proj(x)) · up_proj(x)).
// Shares shaders/elementwise.wgsl (OP = silu·mul); the backward will need gate and up, which the caller keeps.
import { assertSameShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { binaryElementwise } from './elementwise.js';

/** gate: (B,T,I) f32, up: (B,T,I) f32 → silu(gate) · up: (B,T,I) f32  (any shape, the same for both) */
export function siluMul(gate: Tensor, up: Tensor): Tensor {
  assertSameShape('siluMul', gate, up);
  return binaryElementwise('siluMul', gate, up);
}
