// Reference AdamW step in f64: the oracle for shaders/adamw.wgsl.

export interface AdamWHyper {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** 1-based step count. */
  t: number;
  gradScale: number;
}

/** Updates p, m, v in place. */
export function adamwRef(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, h: AdamWHyper): void {
  for (let i = 0; i < p.length; i++) {
    const gi = g[i]! * h.gradScale;
    m[i] = h.beta1 * m[i]! + (1 - h.beta1) * gi;
    v[i] = h.beta2 * v[i]! + (1 - h.beta2) * gi * gi;
    const mhat = m[i]! / (1 - h.beta1 ** h.t);
    const vhat = v[i]! / (1 - h.beta2 ** h.t);
    p[i] = p[i]! * (1 - h.lr * h.weightDecay) - (h.lr * mhat) / (Math.sqrt(vhat) + h.eps);
  }
}
