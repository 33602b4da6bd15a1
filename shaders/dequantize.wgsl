// codes, scales: a 4-bit weight chunk (lib/fourbit.wgsl) → out: `count` f32 values from chunk value `first`
// One invocation per value, 64 a workgroup over x + y·65535; the tail is guarded. For CPU adapters, whose
// 4-bit products dequantize a weight once into a scratch tensor and run the f32 register-block product:
// llvmpipe pays per load, and dequantizing in the product's inner loop repeated it for every block of rows.
#include "lib/fourbit.wgsl"

struct Params {
  count: u32,
  first: u32,      // value index in the chunk of out[outOffset]
  outOffset: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  loadCodebook(li);
  let i = (wg.x + wg.y * 65535u) * 64u + li;
  if (i >= p.count) { return; }
  out[p.outOffset + i] = weightAt(p.first + i);
}
