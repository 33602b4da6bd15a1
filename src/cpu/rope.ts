// Reference RoPE: the oracle for shaders/rope.wgsl. The angle is HF's f32 product pos · inv_freq
// (same inv_freq bits as the op); its cos/sin and the rotation are in f64.
import { ropeInvFreq } from '../tensor/ops/rope.js';

export interface RopeRefDims {
  B?: number;
  T: number;
  H: number;
  D: number;
}

/** x: (B,T,H,D), positions: (B,T) or, if absent, offset + t → (B,T,H,D) rotated in rotate_half layout */
export function ropeRef(x: Float32Array, dims: RopeRefDims, theta: number, positions?: Int32Array, offset = 0): Float32Array {
  return rotateRef(x, dims, theta, positions, offset, 1);
}

/** Undoes ropeRef's rotation: dy rotated by −angle (the transpose), dims and positions as in the forward. */
export function ropeBackwardRef(dy: Float32Array, dims: RopeRefDims, theta: number, positions?: Int32Array, offset = 0): Float32Array {
  return rotateRef(dy, dims, theta, positions, offset, -1);
}

function rotateRef(x: Float32Array, dims: RopeRefDims, theta: number, positions: Int32Array | undefined, offset: number, sign: 1 | -1): Float32Array {
  const { T, H, D } = dims;
  const half = D / 2;
  const invFreq = ropeInvFreq(theta, D);
  const out = new Float32Array(x.length);
  for (let bt = 0; bt < (dims.B ?? 1) * T; bt++) {
    const pos = positions ? positions[bt]! : offset + (bt % T);
    for (let h = 0; h < H; h++) {
      const at = (bt * H + h) * D;
      for (let i = 0; i < half; i++) {
        const angle = Math.fround(Math.fround(pos) * invFreq[i]!);
        const [c, s] = [Math.cos(angle), sign * Math.sin(angle)];
        const [x1, x2] = [x[at + i]!, x[at + i + half]!];
        out[at + i] = x1 * c - x2 * s;
        out[at + i + half] = x2 * c + x1 * s;
      }
    }
  }
  return out;
}
