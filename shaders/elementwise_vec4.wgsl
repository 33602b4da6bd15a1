// elementwise.wgsl four elements a thread, for an f32 (or no) b and n, bBase and bPeriod multiples of 4:
// llvmpipe (Mesa 22.3) loads storage one lane at a time, and a vec4 load costs it about what a scalar
// one does (2.1× the scalar kernel for a 1024×512 add in an interleaved A/B).
// One thread per vec4, 256 per workgroup over a 2-D grid (x + y·65535); the tail is guarded.
#include "lib/elementwise-op.wgsl"

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> b: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> out: array<vec4<f32>>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let i = (wg.x + wg.y * 65535u) * 256u + li;
  if (i >= p.n / 4u) { return; }
  var y = vec4<f32>();
  if (OP != OP_SCALE) { y = b[((p.bBase + 4u * i) % p.bPeriod) / 4u]; }
  out[i] = combine(a[i], y);
}
