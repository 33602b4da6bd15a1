// a: (M,K) f32 with M ≤ 32, b: (N,K) stored as B_DTYPE with K a multiple of 8 (4 for f32), bias: (N) → c: (M,N) f32
// The decode product for CPU adapters (llvmpipe runs a workgroup as one thread, so barriers and
// per-lane gathers cost most): one invocation per output column walks its weight row with vec4
// loads (eight 16-bit or four f32 weights each), keeping M sums in registers. Every invocation
// reads the same a[m, k] at the same time, a uniform load. No workgroup memory, no barriers.
#include "lib/storage.wgsl"

struct Params {
  N: u32, K: u32,
  cColOffset: u32,  // B chunked along N: first output column of this dispatch
  ldc: u32,         // row stride of C
}

override B_DTYPE: u32 = 0u;
override HAS_BIAS: bool = false;
override BIAS_DTYPE: u32 = 0u;
override M: u32 = 1u;  // rows of a; a constant so the per-row loops unroll
override WG: u32 = 64u;

const MAX_M = 32u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> b: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read> bias: array<u32>;
@group(0) @binding(4) var<storage, read_write> c: array<f32>;

// Both 16-bit values of a word, the even element first.
fn widen(word: u32) -> vec2<f32> {
  if (B_DTYPE == 1u) { return vec2<f32>(bitcast<f32>(word << 16u), bitcast<f32>(word & 0xffff0000u)); }
  return unpack2x16float(word);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let n = (wg.x + wg.y * 65535u) * WG + li;
  if (n >= p.N) { return; }
  var sums: array<f32, MAX_M>;
  let k4 = p.K / 4u;  // vec4s per row of a
  if (B_DTYPE == 0u) {
    let base = n * k4;
    for (var j = 0u; j < k4; j++) {
      let w = bitcast<vec4<f32>>(b[base + j]);
      for (var m = 0u; m < M; m++) { sums[m] += dot(a[m * k4 + j], w); }
    }
  } else {
    let base = n * (p.K / 8u);
    for (var j = 0u; j < p.K / 8u; j++) {
      let q = b[base + j];
      let lo = vec4<f32>(widen(q.x), widen(q.y));
      let hi = vec4<f32>(widen(q.z), widen(q.w));
      for (var m = 0u; m < M; m++) { sums[m] += dot(a[m * k4 + 2u * j], lo) + dot(a[m * k4 + 2u * j + 1u], hi); }
    }
  }
  let nc = p.cColOffset + n;
  var add = 0.0;
  if (HAS_BIAS) { add = decodeFloat(bias[wordOf(nc, BIAS_DTYPE)], BIAS_DTYPE, nc); }
  for (var m = 0u; m < M; m++) { c[m * p.ldc + nc] = sums[m] + add; }
}
