// SwiGLU, the Qwen MLP's activation: down_proj(silu(gate_proj(x)) · up_proj(x)).
// The forward shares shaders/elementwise.wgsl (OP = silu·mul); the backward, below it, needs gate and up,
// which the caller keeps, and has its own kernel (two outputs).
import { grid } from '../../gpu/recorder.js';
import { assertDType, assertSameShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { binaryElementwise } from './elementwise.js';

/** gate: (B,T,I) f32, up: (B,T,I) f32 → silu(gate) · up: (B,T,I) f32  (any shape, the same for both) */
export function siluMul(gate: Tensor, up: Tensor): Tensor {
  assertSameShape('siluMul', gate, up);
  return binaryElementwise('siluMul', gate, up);
}

/**
 * Undoes `out = silu(gate) · up`: dGate = dy·up·σ(gate)·(1 + gate·(1 − σ(gate))), dUp = dy·silu(gate).
 * dy, gate, up: (B,T,I) f32 (any shape, the same for all) → dGate, dUp: (B,T,I) f32
 */
export function siluMulBackward(dy: Tensor, gate: Tensor, up: Tensor): { dGate: Tensor; dUp: Tensor } {
  for (const [name, t] of [['dy', dy], ['gate', gate], ['up', up]] as const) assertDType('siluMulBackward', name, t, ['f32']);
  assertSameShape('siluMulBackward: gate and up', gate, up);
  assertSameShape('siluMulBackward: dy and gate', dy, gate);
  const device = gate.device;
  const kernel = device.kernels.get('silu_mul_backward');
  const dGate = Tensor.empty(device, gate.shape);
  const dUp = Tensor.empty(device, gate.shape);
  if (gate.size === 0) return { dGate, dUp };
  // Same shape and dtype, so every tensor here is split into the same chunks.
  const [dyC, upC, dgC, duC] = [dy.chunks, up.chunks, dGate.chunks, dUp.chunks];
  gate.chunks.forEach((c, k) => {
    const n = c.rows * gate.cols;
    const buffers = [dyC[k]!.buffer, c.buffer, upC[k]!.buffer, dgC[k]!.buffer, duC[k]!.buffer];
    device.recorder.dispatch(kernel, [n], buffers, grid(Math.ceil(n / 256)));
  });
  return { dGate, dUp };
}
