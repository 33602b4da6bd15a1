// The decode product's bindings and per-lane work, shared by shaders/matvec.wgsl and
// shaders/matvec_subgroups.wgsl: a: (M,K) f32 with M ≤ MAX_M (the M override), b: (N,K) if
// rowsOfB else (K,N) stored as B_DTYPE, bias: (N) → c: (M,N) f32 (added to c with ACCUMULATE). With rows of b, LANES lanes
// per output column stride K so a weight row is read contiguously across lanes; each lane keeps
// M partial sums for the including kernel to reduce.
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
override ACCUMULATE: bool = false;  // c += the product: a residual add without a dispatch of its own

const MAX_M = 8u;
const COLS = 8u;
const LANES = 32u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<u32>;
@group(0) @binding(3) var<storage, read> bias: array<u32>;
@group(0) @binding(4) var<storage, read_write> c: array<f32>;

fn weight(i: u32) -> f32 {
  return decodeFloat(b[wordOf(i, B_DTYPE)], B_DTYPE, i);
}

fn store(m: u32, n: u32, sum: f32) {
  var v = sum;
  let nc = p.cColOffset + n;
  if (HAS_BIAS) { v += decodeFloat(bias[wordOf(nc, BIAS_DTYPE)], BIAS_DTYPE, nc); }
  let at = m * p.ldc + nc;
  if (ACCUMULATE) { v += c[at]; }
  c[at] = v;
}

fn accumulate(sums: ptr<function, array<f32, MAX_M>>, k: u32, w: f32) {
  for (var m = 0u; m < M; m++) { (*sums)[m] = fma(a[m * p.K + k], w, (*sums)[m]); }
}

// One lane's share of a[m,:]·b[n,:] for every m. Packed 16-bit rows of even length are walked a
// word (two weights) at a time, so each load feeds two weights.
fn dotRow(n: u32, lane: u32) -> array<f32, MAX_M> {
  var sums: array<f32, MAX_M>;
  let base = n * p.K;
  if (B_DTYPE != 0u && (p.K & 1u) == 0u) {
    let wordBase = base / 2u;
    for (var w = lane; w < p.K / 2u; w += LANES) {
      let word = b[wordBase + w];
      accumulate(&sums, 2u * w, decodeFloat(word, B_DTYPE, 0u));
      accumulate(&sums, 2u * w + 1u, decodeFloat(word, B_DTYPE, 1u));
    }
    return sums;
  }
  for (var k = lane; k < p.K; k += LANES) { accumulate(&sums, k, weight(base + k)); }
  return sums;
}
