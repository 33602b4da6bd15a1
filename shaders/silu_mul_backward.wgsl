// dy, gate, up: (…) f32 → dGate, dUp: (…) f32
//   dGate = dy·up·σ(g)·(1 + g·(1 − σ(g))), dUp = dy·silu(g)   (the derivative of silu(g)·up)
// One thread per element, 256 per workgroup over a 2-D grid (x + y·65535); the tail is guarded.
// Chunked tensors (all chunked alike) are done one dispatch per chunk.

struct Params {
  n: u32,  // elements in this chunk
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> gate: array<f32>;
@group(0) @binding(3) var<storage, read> up: array<f32>;
@group(0) @binding(4) var<storage, read_write> dGate: array<f32>;
@group(0) @binding(5) var<storage, read_write> dUp: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let i = (wg.x + wg.y * 65535u) * 256u + li;
  if (i >= p.n) { return; }
  let g = gate[i];
  let sig = 1.0 / (1.0 + exp(-g));
  let d = dy[i];
  dGate[i] = d * up[i] * sig * (1.0 + g * (1.0 - sig));
  dUp[i] = d * g * sig;
}
