// c = a·bᵀ (+ bias) for CPU adapters: a (M,K) f32 and b (N,K) stored as B_DTYPE (16-bit), both as
// rows in 2-D array textures of u32 texels (row r at texel row r mod LAYER_ROWS of layer
// r / LAYER_ROWS, as src/tensor/row-texture.ts lays them), c (M,N) f32 in storage.
// Tiling: each invocation owns a 16×16 block of c and walks K eight at a time: one texel of b per
// column (eight 16-bit k), two of a per row (four f32 k each), 48 fetches per 2048 FMAs; 8×8
// invocations a workgroup. llvmpipe (Mesa 22.3) gathers texel fetches in registers where it
// loads storage one lane at a time through the stack. Any M and N (edges clamped, not written),
// K a multiple of 8.
#include "lib/storage.wgsl"

struct Params {
  M: u32, N: u32, K: u32,
  cOffset: u32,     // element of c where this dispatch's block (0, 0) goes
  ldc: u32,
  biasOffset: u32,  // element of bias for column 0
}

override B_DTYPE: u32 = 1u;
override HAS_BIAS: bool = false;
override BIAS_DTYPE: u32 = 0u;
override LAYER_ROWS: u32 = 4096u;

const R = 16u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var a: texture_2d_array<u32>;
@group(0) @binding(2) var b: texture_2d_array<u32>;
@group(0) @binding(3) var<storage, read> bias: array<u32>;
@group(0) @binding(4) var<storage, read_write> c: array<f32>;

fn texel(t: texture_2d_array<u32>, row: u32, x: u32) -> vec4<u32> {
  return textureLoad(t, vec2<u32>(x, row % LAYER_ROWS), row / LAYER_ROWS, 0);
}

// Both 16-bit values of a word, the even element first.
fn widen(word: u32) -> vec2<f32> {
  if (B_DTYPE == 1u) { return vec2<f32>(bitcast<f32>(word << 16u), bitcast<f32>(word & 0xffff0000u)); }
  return unpack2x16float(word);
}

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let m0 = gid.y * R;
  let n0 = gid.x * R;
  if (m0 >= p.M || n0 >= p.N) { return; }  // no barriers, so spare invocations may leave
  var rows: array<u32, R>;
  var cols: array<u32, R>;
  for (var i = 0u; i < R; i++) { rows[i] = min(m0 + i, p.M - 1u); }
  for (var j = 0u; j < R; j++) { cols[j] = min(n0 + j, p.N - 1u); }
  var acc: array<array<f32, R>, R>;
  for (var k8 = 0u; k8 < p.K / 8u; k8++) {
    var lo: array<vec4<f32>, R>;
    var hi: array<vec4<f32>, R>;
    for (var j = 0u; j < R; j++) {
      let q = texel(b, cols[j], k8);
      lo[j] = vec4<f32>(widen(q.x), widen(q.y));
      hi[j] = vec4<f32>(widen(q.z), widen(q.w));
    }
    for (var i = 0u; i < R; i++) {
      let x0 = bitcast<vec4<f32>>(texel(a, rows[i], 2u * k8));
      let x1 = bitcast<vec4<f32>>(texel(a, rows[i], 2u * k8 + 1u));
      for (var j = 0u; j < R; j++) { acc[i][j] += dot(x0, lo[j]) + dot(x1, hi[j]); }
    }
  }
  var biasv: array<f32, R>;
  if (HAS_BIAS) {
    for (var j = 0u; j < R; j++) {
      let nb = p.biasOffset + cols[j];
      biasv[j] = decodeFloat(bias[wordOf(nb, BIAS_DTYPE)], BIAS_DTYPE, nb);
    }
  }
  for (var i = 0u; i < R; i++) {
    let m = m0 + i;
    if (m >= p.M) { break; }
    for (var j = 0u; j < R; j++) {
      let n = n0 + j;
      if (n >= p.N) { break; }
      var v = acc[i][j];
      if (HAS_BIAS) { v += biasv[j]; }
      c[p.cOffset + m * p.ldc + n] = v;
    }
  }
}
