// The columns decode product (lib/matvec-columns.wgsl) with the weights in textures and the input
// in a uniform block. llvmpipe (Mesa 22.3) loads a storage buffer one SIMD lane at a time through
// a stack round trip, while texel fetches and uniform loads are gathered in registers: 6–9× the
// storage kernel's speed at the bench model's shapes. Weight rows lie one per texel row (vec4 j of
// row r at texel (j, r mod LAYER_ROWS) of layer r / LAYER_ROWS, as src/tensor/row-texture.ts lays
// them); a holds at most 16384 floats (the rows from cRow0 on, staged there by the caller).
#include "lib/matvec-columns.wgsl"

override LAYER_ROWS: u32 = 4096u;

@group(0) @binding(1) var<uniform> a: array<vec4<f32>, 4096>;
@group(0) @binding(2) var b: texture_2d_array<u32>;
@group(0) @binding(5) var up: texture_2d_array<u32>;

fn inputAt(i: u32) -> vec4<f32> {
  return a[i];
}

fn weightAt(row: u32, j: u32) -> vec4<u32> {
  return textureLoad(b, vec2<u32>(j, row % LAYER_ROWS), row / LAYER_ROWS, 0);
}

fn upAt(row: u32, j: u32) -> vec4<u32> {
  return textureLoad(up, vec2<u32>(j, row % LAYER_ROWS), row / LAYER_ROWS, 0);
}
