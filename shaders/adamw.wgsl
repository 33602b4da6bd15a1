// p, g, m, v: (n) f32 → p, m, v updated in place by one AdamW step (torch.optim.AdamW semantics).
// One thread per parameter; `gradScale` folds global-norm clipping and loss scaling into the read of g.

struct Params {
  n: u32,
  lr: f32,
  beta1: f32,
  beta2: f32,
  eps: f32,
  weightDecay: f32,
  biasCorrection1: f32,  // 1 − β1^t
  biasCorrection2: f32,  // 1 − β2^t
  gradScale: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> param: array<f32>;
@group(0) @binding(2) var<storage, read> grad: array<f32>;
@group(0) @binding(3) var<storage, read_write> m: array<f32>;
@group(0) @binding(4) var<storage, read_write> v: array<f32>;

@compute @workgroup_size(256)
fn step(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let i = (wg.x + wg.y * 65535u) * 256u + li;
  if (i >= p.n) { return; }
  let g = grad[i] * p.gradScale;
  let mi = p.beta1 * m[i] + (1.0 - p.beta1) * g;
  let vi = p.beta2 * v[i] + (1.0 - p.beta2) * g * g;
  m[i] = mi;
  v[i] = vi;
  // Decoupled weight decay first, as torch does: p ← p·(1 − lr·wd), then the Adam step.
  let decayed = param[i] * (1.0 - p.lr * p.weightDecay);
  let denom = sqrt(vi / p.biasCorrection2) + p.eps;
  param[i] = decayed - p.lr * (mi / p.biasCorrection1) / denom;
}
