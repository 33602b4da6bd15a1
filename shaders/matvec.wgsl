// a: (1,K) f32, b: (N,K) if TRANS_B else (K,N) stored as B_DTYPE, bias: (N) → c: (1,N) f32  (decode)
// rowsOfB (b is (N,K)): a 256-thread workgroup computes 8 outputs, 32 threads per output striding K so reads of
// a weight row are contiguous across threads, then a tree reduction in workgroup memory.
// colsOfB (b is (K,N)): each thread owns one output column and walks K; neighbours read neighbouring columns.
#include "lib/storage.wgsl"

struct Params {
  N: u32, K: u32,
  cColOffset: u32,  // B chunked along N: first output column of this dispatch
}

override B_DTYPE: u32 = 0u;
override HAS_BIAS: bool = false;
override BIAS_DTYPE: u32 = 0u;

const ROWS = 8u;
const LANES = 32u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<u32>;
@group(0) @binding(3) var<storage, read> bias: array<u32>;
@group(0) @binding(4) var<storage, read_write> c: array<f32>;

var<workgroup> partial: array<f32, 256>;

fn weight(i: u32) -> f32 {
  return decodeFloat(b[wordOf(i, B_DTYPE)], B_DTYPE, i);
}

fn finish(n: u32, sum: f32) {
  var v = sum;
  let nc = p.cColOffset + n;
  if (HAS_BIAS) { v += decodeFloat(bias[wordOf(nc, BIAS_DTYPE)], BIAS_DTYPE, nc); }
  c[nc] = v;
}

// One lane's share of a·b[n,:]. Packed 16-bit rows of even length are walked a word (two
// weights) at a time, so each load feeds two FMAs instead of one.
fn dotRow(n: u32, lane: u32) -> f32 {
  let base = n * p.K;
  var sum = 0.0;
  if (B_DTYPE != 0u && (p.K & 1u) == 0u) {
    let words = p.K / 2u;
    let wordBase = base / 2u;
    for (var w = lane; w < words; w += LANES) {
      let word = b[wordBase + w];
      sum = fma(a[2u * w], decodeFloat(word, B_DTYPE, 0u), sum);
      sum = fma(a[2u * w + 1u], decodeFloat(word, B_DTYPE, 1u), sum);
    }
    return sum;
  }
  for (var k = lane; k < p.K; k += LANES) { sum = fma(a[k], weight(base + k), sum); }
  return sum;
}

@compute @workgroup_size(256)
fn rowsOfB(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let row = li / LANES;
  let lane = li % LANES;
  let n = (wg.x + wg.y * 65535u) * ROWS + row;
  var sum = 0.0;
  if (n < p.N) { sum = dotRow(n, lane); }
  partial[li] = sum;
  workgroupBarrier();
  for (var s = LANES / 2u; s > 0u; s >>= 1u) {
    if (lane < s) { partial[li] += partial[li + s]; }
    workgroupBarrier();
  }
  if (lane == 0u && n < p.N) { finish(n, partial[li]); }
}

@compute @workgroup_size(256)
fn colsOfB(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let n = (wg.x + wg.y * 65535u) * 256u + li;
  if (n >= p.N) { return; }
  var sum = 0.0;
  for (var k = 0u; k < p.K; k++) { sum = fma(a[k], weight(k * p.N + n), sum); }
  finish(n, sum);
}
