// logits: (N,V) f32, labels: (N) i32, lse: (N) f32 → dLogits: (N,V) f32
//   dLogits[r,v] = (exp(logits[r,v] − lse[r]) − [v = label[r]])·scale, zeros for a label outside [0,V)
// One thread per logit of a chunk, 256 per workgroup over x + y·65535; the tail is guarded. A chunked
// logits tensor (and its gradient, chunked alike) is done one dispatch per chunk; rowStart indexes labels and lse.

struct Params {
  rows: u32,      // rows in this chunk
  V: u32,
  rowStart: u32,  // first row of this chunk
  scale: f32,     // dLoss/dloss_r of every counted row (1/count for a mean)
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> labels: array<i32>;
@group(0) @binding(2) var<storage, read> logits: array<f32>;
@group(0) @binding(3) var<storage, read> lse: array<f32>;
@group(0) @binding(4) var<storage, read_write> grad: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let i = (wg.x + wg.y * 65535u) * 256u + li;
  if (i >= p.rows * p.V) { return; }
  let at = p.rowStart + i / p.V;
  let label = labels[at];
  var g = 0.0;
  if (label >= 0 && u32(label) < p.V) {
    g = exp(logits[i] - lse[at]) - select(0.0, 1.0, u32(label) == i % p.V);
  }
  grad[i] = g * p.scale;
}
