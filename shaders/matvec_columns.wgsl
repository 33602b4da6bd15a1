// The columns decode product (lib/matvec-columns.wgsl) over storage buffers: the CPU adapters'
// product wherever the texture one (shaders/matvec_texture.wgsl) does not fit.
#include "lib/matvec-columns.wgsl"

@group(0) @binding(1) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> b: array<vec4<u32>>;
@group(0) @binding(5) var<storage, read> up: array<vec4<u32>>;

fn inputAt(i: u32) -> vec4<f32> {
  return a[i];
}

// vec4s per weight row: eight 16-bit or four f32 weights each.
fn rowVec4s() -> u32 {
  return select(p.K / 8u, p.K / 4u, B_DTYPE == 0u);
}

fn weightAt(row: u32, j: u32) -> vec4<u32> {
  return b[row * rowVec4s() + j];
}

fn upAt(row: u32, j: u32) -> vec4<u32> {
  return up[row * rowVec4s() + j];
}
