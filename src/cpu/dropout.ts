// Reference dropout: the oracle for shaders/dropout.wgsl (same counter-based mask).
import { uniformAt } from './random.js';

export function dropoutRef(x: Float32Array, p: number, seed: number): Float32Array {
  const scale = 1 - Math.fround(p);
  return x.map((v, i) => (uniformAt(seed, i) >= Math.fround(p) ? v / scale : 0));
}
