// x: (…) f32 → y: (…) f32 = x·keep/(1−p), keep = uniformAt(seed, i) ≥ p   (forward and backward alike)
// One thread per element. The mask is a pure function of (seed, index), so the backward regenerates
// it instead of storing it, and src/cpu/dropout.ts draws the same mask.
#include "lib/random.wgsl"

struct Params {
  n: u32,
  seed: u32,
  p: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let i = (wg.x + wg.y * 65535u) * 256u + li;
  if (i >= params.n) { return; }
  let keep = uniformAt(params.seed, i) >= params.p;
  y[i] = select(0.0, x[i] / (1.0 - params.p), keep);
}
