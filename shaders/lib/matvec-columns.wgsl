// The columns decode product, shared by shaders/matvec_columns.wgsl (weights and input in storage
// buffers) and shaders/matvec_texture.wgsl (weights in a texture, input in a uniform block); the
// including file binds a, b and up and defines inputAt(i) (vec4 i of a), weightAt(row, j) and
// upAt(row, j) (vec4 j of a weight row, as words).
// a: (M,K) f32 with M ≤ 32, b: (N,K) stored as B_DTYPE with K a multiple of 8 (4 for f32), bias: (N) → c: (M,N) f32,
// or with GATED silu(a·bᵀ)·(a·upᵀ) (up like b; SwiGLU's gate and up read in one pass), with ACCUMULATE added to c.
// Tiling: each invocation owns COLS output columns (WG apart, so neighbouring invocations read
// neighbouring rows) and walks their weight rows with vec4 loads (eight 16-bit or four f32
// weights each), keeping M·COLS sums in registers; each load of a feeds COLS columns. Assumes
// rows start on a vec4 (K as above) and M·COLS ≤ 128. The decode product for CPU adapters:
// llvmpipe runs a workgroup as one thread, where barriers and per-lane gathers cost most; every
// invocation reads the same a[m, k] at the same time. No workgroup memory, no barriers.
#include "lib/storage.wgsl"

struct Params {
  N: u32, K: u32,
  cColOffset: u32,  // B chunked along N: first output column of this dispatch
  ldc: u32,         // row stride of C
  cRow0: u32,       // first row of C this dispatch writes (a holds rows from there on)
}

override B_DTYPE: u32 = 0u;
override HAS_BIAS: bool = false;
override BIAS_DTYPE: u32 = 0u;
override M: u32 = 1u;  // rows of a; a constant so the per-row loops unroll
override WG: u32 = 64u;
override COLS: u32 = 1u;  // output columns per invocation, 1..MAX_COLS
override GATED: bool = false;
override ACCUMULATE: bool = false;  // c += the product: a residual add without a dispatch of its own

const MAX_M = 32u;
const MAX_COLS = 4u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(3) var<storage, read> bias: array<u32>;
@group(0) @binding(4) var<storage, read_write> c: array<f32>;

// Both 16-bit values of a word, the even element first.
fn widen(word: u32) -> vec2<f32> {
  if (B_DTYPE == 1u) { return vec2<f32>(bitcast<f32>(word << 16u), bitcast<f32>(word & 0xffff0000u)); }
  return unpack2x16float(word);
}

fn silu(x: f32) -> f32 {
  return x / (1.0 + exp(-x));
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let first = (wg.x + wg.y * 65535u) * WG * COLS + li;
  if (first >= p.N) { return; }
  // The up rows' sums and weights (GATED only) sit in arrays of their own, so the plain product's
  // arrays keep their size: llvmpipe runs a kernel slower when a private array outgrows its use.
  var sums: array<f32, MAX_M * MAX_COLS>;   // sums[col * M + m]
  var usums: array<f32, MAX_M * MAX_COLS>;
  var rows: array<u32, MAX_COLS>;          // each column's weight row (a past-the-end column rereads the last)
  let k4 = p.K / 4u;  // vec4s per row of a
  let b4 = select(p.K / 8u, k4, B_DTYPE == 0u);  // vec4s per row of b
  for (var col = 0u; col < COLS; col++) { rows[col] = min(first + col * WG, p.N - 1u); }
  for (var j = 0u; j < b4; j++) {
    if (B_DTYPE == 0u) {
      var w: array<vec4<f32>, MAX_COLS>;
      var u: array<vec4<f32>, MAX_COLS>;
      for (var col = 0u; col < COLS; col++) {
        w[col] = bitcast<vec4<f32>>(weightAt(rows[col], j));
        if (GATED) { u[col] = bitcast<vec4<f32>>(upAt(rows[col], j)); }
      }
      for (var m = 0u; m < M; m++) {
        let x = inputAt(m * k4 + j);
        for (var col = 0u; col < COLS; col++) {
          sums[col * M + m] += dot(x, w[col]);
          if (GATED) { usums[col * M + m] += dot(x, u[col]); }
        }
      }
    } else {
      var lo: array<vec4<f32>, MAX_COLS>;
      var hi: array<vec4<f32>, MAX_COLS>;
      var ulo: array<vec4<f32>, MAX_COLS>;
      var uhi: array<vec4<f32>, MAX_COLS>;
      for (var col = 0u; col < COLS; col++) {
        let q = weightAt(rows[col], j);
        lo[col] = vec4<f32>(widen(q.x), widen(q.y));
        hi[col] = vec4<f32>(widen(q.z), widen(q.w));
        if (GATED) {
          let r = upAt(rows[col], j);
          ulo[col] = vec4<f32>(widen(r.x), widen(r.y));
          uhi[col] = vec4<f32>(widen(r.z), widen(r.w));
        }
      }
      for (var m = 0u; m < M; m++) {
        let x0 = inputAt(m * k4 + 2u * j);
        let x1 = inputAt(m * k4 + 2u * j + 1u);
        for (var col = 0u; col < COLS; col++) {
          sums[col * M + m] += dot(x0, lo[col]) + dot(x1, hi[col]);
          if (GATED) { usums[col * M + m] += dot(x0, ulo[col]) + dot(x1, uhi[col]); }
        }
      }
    }
  }
  for (var col = 0u; col < COLS; col++) {
    let n = first + col * WG;
    if (n >= p.N) { break; }
    let nc = p.cColOffset + n;
    var add = 0.0;
    if (HAS_BIAS) { add = decodeFloat(bias[wordOf(nc, BIAS_DTYPE)], BIAS_DTYPE, nc); }
    for (var m = 0u; m < M; m++) {
      let at = (p.cRow0 + m) * p.ldc + nc;
      var v = sums[col * M + m] + add;
      if (GATED) { v = silu(v) * usums[col * M + m]; }
      if (ACCUMULATE) { v += c[at]; }
      c[at] = v;
    }
  }
}
