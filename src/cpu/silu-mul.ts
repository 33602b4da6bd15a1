// Reference SwiGLU in f64: the oracle for siluMul.
import { binaryRef } from './elementwise.js';

/** gate: (…), up: (…) → silu(gate) · up: (…) */
export function siluMulRef(gate: Float32Array, up: Float32Array): Float32Array {
  return binaryRef(gate, up, (g, u) => (g / (1 + Math.exp(-g))) * u);
}
