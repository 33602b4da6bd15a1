// x: (n) f32 → out[slot] = Σ x², for the global gradient norm.
// One 256-thread workgroup per tensor, each thread striding the tensor; a deterministic tree sum.
#include "lib/workgroup-sum.wgsl"

struct Params {
  n: u32,
  slot: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) li: u32) {
  var s = 0.0;
  for (var i = li; i < p.n; i += 256u) { s = fma(x[i], x[i], s); }
  let total = workgroupSum(li, s);
  if (li == 0u) { out[p.slot] = total; }
}
