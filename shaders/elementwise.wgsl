// a: (…) f32, b: (…) or a's trailing dims, stored as B_DTYPE → out: (…) f32   (add, mul, scale, silu·mul)
// One thread per element, 256 per workgroup over a 2-D grid (x + y·65535); the tail is guarded.
// One dispatch per chunk of a/out (same chunking); b is indexed (bBase + i) mod bPeriod, which is
// the identity for a same-shape b and the row broadcast of a bias for a shorter one.
#include "lib/storage.wgsl"
#include "lib/elementwise-op.wgsl"

override B_DTYPE: u32 = 0u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<u32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let i = (wg.x + wg.y * 65535u) * 256u + li;
  if (i >= p.n) { return; }
  var y = 0.0;
  if (OP != OP_SCALE) {
    let j = (p.bBase + i) % p.bPeriod;
    y = decodeFloat(b[wordOf(j, B_DTYPE)], B_DTYPE, j);
  }
  out[i] = combine(vec4(a[i]), vec4(y)).x;
}
