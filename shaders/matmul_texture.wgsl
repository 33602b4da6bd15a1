// c = a·bᵀ (main: b stored (N,K)) or a·b (plain: b stored (K,N)), + bias, for CPU adapters: a
// (M,K) f32 and b stored as B_DTYPE, both as rows in 2-D array textures of u32 texels (row r at
// texel row r mod LAYER_ROWS of layer r / LAYER_ROWS, as src/tensor/row-texture.ts lays them),
// c (M,N) f32 in storage.
// Tiling: each invocation owns a 16×16 block of c. main walks K eight at a time (per column one
// texel of 16-bit b or two of f32, per row two texels of a: 48–64 fetches per 2048 FMAs); plain
// walks it four at a time (per row one texel of a, per k the block's 16 columns of b in 2 or 4
// texels: 24–32 fetches per 1024 FMAs). 8×8 invocations a workgroup, x along N; where N is thin
// (LoRA's x·Aᵀ), 8×1 with x along M: llvmpipe fills its SIMD lanes along x alone. llvmpipe (Mesa 22.3) gathers
// texel fetches in registers where it loads storage one lane at a time through the stack. Any M
// and N (edges clamped, not written); K a multiple of 8 (main) or 4 (plain), N of 16 (plain).
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
override M_ALONG_X: bool = false;
override WG_Y: u32 = 8u;

const R = 16u;

// The invocation's block origin (row, column).
fn origin(gid: vec3<u32>) -> vec2<u32> {
  if (M_ALONG_X) { return vec2<u32>(gid.x, gid.y) * R; }
  return vec2<u32>(gid.y, gid.x) * R;
}

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

@compute @workgroup_size(8, WG_Y)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let o = origin(gid);
  let m0 = o.x;
  let n0 = o.y;
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
      if (B_DTYPE == 0u) {
        lo[j] = bitcast<vec4<f32>>(texel(b, cols[j], 2u * k8));
        hi[j] = bitcast<vec4<f32>>(texel(b, cols[j], 2u * k8 + 1u));
      } else {
        let q = texel(b, cols[j], k8);
        lo[j] = vec4<f32>(widen(q.x), widen(q.y));
        hi[j] = vec4<f32>(widen(q.z), widen(q.w));
      }
    }
    for (var i = 0u; i < R; i++) {
      let x0 = bitcast<vec4<f32>>(texel(a, rows[i], 2u * k8));
      let x1 = bitcast<vec4<f32>>(texel(a, rows[i], 2u * k8 + 1u));
      for (var j = 0u; j < R; j++) { acc[i][j] += dot(x0, lo[j]) + dot(x1, hi[j]); }
    }
  }
  store(&acc, m0, n0);
}

@compute @workgroup_size(8, WG_Y)
fn plain(@builtin(global_invocation_id) gid: vec3<u32>) {
  let o = origin(gid);
  let m0 = o.x;
  let n0 = o.y;
  if (m0 >= p.M || n0 >= p.N) { return; }
  var rows: array<u32, R>;
  for (var i = 0u; i < R; i++) { rows[i] = min(m0 + i, p.M - 1u); }
  var acc: array<array<f32, R>, R>;
  for (var k4 = 0u; k4 < p.K / 4u; k4++) {
    var bv: array<array<f32, R>, 4>;  // bv[kk][j] = b[4·k4 + kk, n0 + j]
    for (var kk = 0u; kk < 4u; kk++) {
      let k = 4u * k4 + kk;
      if (B_DTYPE == 0u) {
        for (var t = 0u; t < 4u; t++) {
          let q = bitcast<vec4<f32>>(texel(b, k, n0 / 4u + t));
          for (var e = 0u; e < 4u; e++) { bv[kk][4u * t + e] = q[e]; }
        }
      } else {
        for (var t = 0u; t < 2u; t++) {
          let q = texel(b, k, n0 / 8u + t);
          for (var e = 0u; e < 4u; e++) {
            let pair = widen(q[e]);
            bv[kk][8u * t + 2u * e] = pair.x;
            bv[kk][8u * t + 2u * e + 1u] = pair.y;
          }
        }
      }
    }
    for (var i = 0u; i < R; i++) {
      let x = bitcast<vec4<f32>>(texel(a, rows[i], k4));
      for (var j = 0u; j < R; j++) { acc[i][j] += x.x * bv[0][j] + x.y * bv[1][j] + x.z * bv[2][j] + x.w * bv[3][j]; }
    }
  }
  store(&acc, m0, n0);
}

// The block's valid part, plus bias (read once per column: llvmpipe unrolls the store loop).
fn store(acc: ptr<function, array<array<f32, R>, R>>, m0: u32, n0: u32) {
  var biasv: array<f32, R>;
  if (HAS_BIAS) {
    for (var j = 0u; j < R; j++) {
      let nb = p.biasOffset + min(n0 + j, p.N - 1u);
      biasv[j] = decodeFloat(bias[wordOf(nb, BIAS_DTYPE)], BIAS_DTYPE, nb);
    }
  }
  for (var i = 0u; i < R; i++) {
    let m = m0 + i;
    if (m >= p.M) { break; }
    for (var j = 0u; j < R; j++) {
      let n = n0 + j;
      if (n >= p.N) { break; }
      var v = (*acc)[i][j];
      if (HAS_BIAS) { v += biasv[j]; }
      c[p.cOffset + m * p.ldc + n] = v;
    }
  }
}
