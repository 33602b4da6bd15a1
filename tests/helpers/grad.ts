// Central finite differences of a reference forward, to check the reference backward against.
import type { Rng } from '../../src/cpu/random.js';
import { relError } from './gpu.js';

/**
 * ‖fd − analytic‖/‖analytic‖ over up to `samples` coordinates of x (all of them when fewer), where fd is the
 * central difference of L(x) = Σ_i w_i · f(x)_i, i.e. the gradient `analytic` claims for upstream gradient w.
 * The step is 1e-2 relative: the forwards return f32, whose rounding (≈6e-8·√N·|L| per evaluation) divided by
 * 2h would swamp a smaller step, while the O(h²) truncation error stays near 1e-5 for these smooth functions.
 * The step actually taken (after rounding x ± h to f32) is the one divided by.
 */
export function finiteDiffError(
  f: (x: Float32Array) => ArrayLike<number>,
  x: Float32Array,
  w: ArrayLike<number>,
  analytic: ArrayLike<number>,
  rng: Rng,
  samples = 48,
): number {
  const coords = x.length <= samples ? [...x.keys()] : Array.from({ length: samples }, () => rng.int(x.length));
  const loss = (probe: Float32Array) => {
    const y = f(probe);
    let sum = 0;
    for (let i = 0; i < y.length; i++) sum += w[i]! * y[i]!;
    return sum;
  };
  const fd: number[] = [];
  const want: number[] = [];
  for (const i of coords) {
    const probe = Float32Array.from(x);
    const h = 1e-2 * Math.max(1, Math.abs(x[i]!));
    probe[i] = x[i]! + h;
    const [up, plus] = [loss(probe), probe[i]!];
    probe[i] = x[i]! - h;
    const [down, minus] = [loss(probe), probe[i]!];
    fd.push((up - down) / (plus - minus));
    want.push(analytic[i]!);
  }
  return relError(fd, want);
}
