// rows: x: (M,K) f32 with M ≤ 8 (the M override), w: (N,K) 4-bit, bias: (N) → y: (M,N) f32   (decode)
// cols: dy: (M,N) f32 with M ≤ 8, w: (N,K) 4-bit → dx: (M,K) f32                            (dx = dy·W)
// The decode product reads each packed weight once for all M rows. rows: a 256-thread workgroup
// computes 256/LANES outputs, LANES lanes per weight row striding it a code word (8 values, one
// scale) at a time, then a tree reduction in workgroup memory (LANES is picked from K, so short
// 4-bit rows still give each lane several words); rows whose length is not a multiple of 8 take
// the per-value path. cols: one thread per output column walks the chunk's rows, accumulating
// into dx after the first chunk.
#include "lib/fourbit.wgsl"
#include "lib/lane-sum.wgsl"

struct Params {
  N: u32, K: u32,            // rows of this weight chunk, weight columns
  lda: u32, aOffset: u32,    // a[m·lda + aOffset + i]
  ldc: u32, cOffset: u32,    // c[m·ldc + cOffset + j]
}

override HAS_BIAS: bool = false;
override BIAS_DTYPE: u32 = 0u;
override ACCUMULATE: bool = false;
override M: u32 = 1u;
override LANES: u32 = 32u;  // a power of two ≤ 256
override COLS = 256u / LANES;

const MAX_M = 8u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(5) var<storage, read_write> c: array<f32>;
@group(0) @binding(6) var<storage, read> bias: array<u32>;


// One lane's share of x[m,:]·w[n,:] for every m.
fn dotRow(n: u32, lane: u32) -> array<f32, MAX_M> {
  var sums: array<f32, MAX_M>;
  let base = n * p.K;
  if ((p.K & 7u) == 0u) {
    // Rows start on a word, and a word never straddles a block (BLOCK is a multiple of 8).
    for (var w = lane; w < p.K / 8u; w += LANES) {
      let word = codes[base / 8u + w];
      let scale = scaleAt((base + 8u * w) / BLOCK);
      // Initialized explicitly: Dawn's SPIR-V for Vulkan zeroes a var declared without one only at
      // function entry, not at each pass of the loop (seen on SwiftShader, tests/vulkan).
      var dots = array<f32, MAX_M>();
      for (var j = 0u; j < 8u; j++) {
        let v = codeValue(word, j);
        for (var m = 0u; m < M; m++) { dots[m] = fma(a[m * p.lda + p.aOffset + 8u * w + j], v, dots[m]); }
      }
      for (var m = 0u; m < M; m++) { sums[m] = fma(dots[m], scale, sums[m]); }
    }
    return sums;
  }
  for (var k = lane; k < p.K; k += LANES) {
    let v = weightAt(base + k);
    for (var m = 0u; m < M; m++) { sums[m] = fma(a[m * p.lda + p.aOffset + k], v, sums[m]); }
  }
  return sums;
}

@compute @workgroup_size(256)
fn rows(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  loadCodebook(li);
  let lane = li % LANES;
  let n = (wg.x + wg.y * 65535u) * COLS + li / LANES;
  var sums: array<f32, MAX_M>;
  if (n < p.N) { sums = dotRow(n, lane); }
  sumLanes(li, sums);
  if (lane == 0u && n < p.N) {
    for (var m = 0u; m < M; m++) {
      var v = partial[m * 256u + li];
      let nc = p.cOffset + n;
      if (HAS_BIAS) { v += decodeFloat(bias[wordOf(nc, BIAS_DTYPE)], BIAS_DTYPE, nc); }
      c[m * p.ldc + nc] = v;
    }
  }
}

@compute @workgroup_size(256)
fn cols(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  loadCodebook(li);
  let k = (wg.x + wg.y * 65535u) * 256u + li;
  if (k < p.K) {
    var sums: array<f32, MAX_M>;
    for (var n = 0u; n < p.N; n++) {
      let v = weightAt(n * p.K + k);
      for (var m = 0u; m < M; m++) { sums[m] = fma(a[m * p.lda + p.aOffset + n], v, sums[m]); }
    }
    for (var m = 0u; m < M; m++) {
      let at = m * p.ldc + p.cOffset + k;
      var v = sums[m];
      if (ACCUMULATE) { v += c[at]; }
      c[at] = v;
    }
  }
}
