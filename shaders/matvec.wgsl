// a: (M,K) f32 with M ≤ MAX_M (the M override), b: (N,K) if rowsOfB else (K,N) stored as B_DTYPE, bias: (N) → c: (M,N) f32
// The decode product: few rows of activations against a weight read once for all of them.
// rowsOfB: a 256-thread workgroup computes 8 output columns, 32 lanes per column striding K so a
// weight row is read contiguously across lanes; each lane keeps M partial sums, then a tree
// reduction in workgroup memory. colsOfB: each thread owns one output column and walks K.
#include "lib/storage.wgsl"
#include "lib/lane-sum.wgsl"

struct Params {
  N: u32, K: u32,
  cColOffset: u32,  // B chunked along N: first output column of this dispatch
  ldc: u32,         // row stride of C
}

override B_DTYPE: u32 = 0u;
override HAS_BIAS: bool = false;
override BIAS_DTYPE: u32 = 0u;
override M: u32 = 1u;  // rows of a; a constant so the per-row loops unroll

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
  c[m * p.ldc + nc] = v;
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

@compute @workgroup_size(256)
fn rowsOfB(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let lane = li % LANES;
  let n = (wg.x + wg.y * 65535u) * COLS + li / LANES;
  var sums: array<f32, MAX_M>;
  if (n < p.N) { sums = dotRow(n, lane); }
  sumLanes(li, sums);
  if (lane == 0u && n < p.N) {
    for (var m = 0u; m < M; m++) { store(m, n, partial[m * 256u + li]); }
  }
}

@compute @workgroup_size(256)
fn colsOfB(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let n = (wg.x + wg.y * 65535u) * 256u + li;
  if (n >= p.N) { return; }
  var sums: array<f32, MAX_M>;
  for (var k = 0u; k < p.K; k++) { accumulate(&sums, k, weight(k * p.N + n)); }
  for (var m = 0u; m < M; m++) { store(m, n, sums[m]); }
}
