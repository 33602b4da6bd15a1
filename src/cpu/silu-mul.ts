// Reference SwiGLU in f64: the oracle for siluMul.
import { binaryRef } from './elementwise.js';

/** gate: (…), up: (…) → silu(gate) · up: (…) */
export function siluMulRef(gate: Float32Array, up: Float32Array): Float32Array {
  return binaryRef(gate, up, (g, u) => (g / (1 + Math.exp(-g))) * u);
}

/** Undoes `silu(g)·u`: dGate = dy·u·σ(g)·(1 + g·(1 − σ(g))), dUp = dy·silu(g). dy, gate, up: (…) → (…) each */
export function siluMulBackwardRef(dy: Float32Array, gate: Float32Array, up: Float32Array): { dGate: Float32Array; dUp: Float32Array } {
  const dGate = new Float32Array(gate.length);
  const dUp = new Float32Array(gate.length);
  for (let i = 0; i < gate.length; i++) {
    const g = gate[i]!;
    const sig = 1 / (1 + Math.exp(-g));
    dGate[i] = dy[i]! * up[i]! * sig * (1 + g * (1 - sig));
    dUp[i] = dy[i]! * g * sig;
  }
  return { dGate, dUp };
}
