// The register-block product shared by matmul_registers.wgsl and matmul_registers_wide.wgsl: the
// operands and uniform block of shaders/matmul.wgsl (same bindings, so the dispatch code swaps one for
// another), for CPU adapters. Each invocation owns an R×R block of C (R consecutive rows × R
// consecutive columns) and walks all of K reading A and B straight from storage (cached on a CPU):
// no workgroup memory, no barriers. An 8×8 workgroup covers (8·R)×(8·R), invocation x along N, or along
// M for a thin N (M_ALONG_X): llvmpipe fills its SIMD lanes along x alone. Edges guarded: any M, N, K.
// The including file sets R, which sizes the register arrays too: arrays the size of the block let
// llvmpipe unroll every loop and keep every accumulator in a register; a 16×16 block in 32×32 arrays
// measured 4× slower.
#include "lib/storage.wgsl"

struct Params {
  M: u32, N: u32, K: u32,
  aBatchStride: u32, bBatchStride: u32, cBatchStride: u32,
  aOffset: u32, bOffset: u32, cOffset: u32,
  lda: u32, ldb: u32, ldc: u32,
  biasOffset: u32,
}

override TRANS_A: bool = false;
override TRANS_B: bool = false;
override ACCUMULATE: bool = false;
override B_DTYPE: u32 = 0u;
override HAS_BIAS: bool = false;
override BIAS_DTYPE: u32 = 0u;
// A TRANS_B 16-bit B whose rows (ldb), offsets and K are all even: k steps by two, each word of B giving
// both k's values, so B costs half the loads (a transposed weight's pair shares a word; a plain one's
// neighbouring columns do, which llvmpipe already reads once). The host checks the layout.
override PAIRED_K: bool = false;
override M_ALONG_X: bool = false;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<u32>;
@group(0) @binding(3) var<storage, read> bias: array<u32>;
@group(0) @binding(4) var<storage, read_write> c: array<f32>;

fn loadA(base: u32, m: u32, k: u32) -> f32 {
  return a[base + select(m * p.lda + k, k * p.lda + m, TRANS_A)];
}

fn loadB(base: u32, k: u32, n: u32) -> f32 {
  let i = base + select(k * p.ldb + n, n * p.ldb + k, TRANS_B);
  return decodeFloat(b[wordOf(i, B_DTYPE)], B_DTYPE, i);
}

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let batch = gid.z;
  let m0 = select(gid.y, gid.x, M_ALONG_X) * R;
  let n0 = select(gid.x, gid.y, M_ALONG_X) * R;
  if (m0 >= p.M || n0 >= p.N) { return; }  // no barriers, so spare invocations may leave
  let aBase = batch * p.aBatchStride + p.aOffset;
  let bBase = batch * p.bBatchStride + p.bOffset;
  // Out-of-range rows and columns re-read the last valid one (clamped), and are not written.
  var rows: array<u32, R>;
  var cols: array<u32, R>;
  for (var i = 0u; i < R; i++) { rows[i] = min(m0 + i, p.M - 1u); }
  for (var j = 0u; j < R; j++) { cols[j] = min(n0 + j, p.N - 1u); }
  var acc: array<array<f32, R>, R>;
  if (PAIRED_K) {
    for (var k = 0u; k < p.K; k += 2u) {
      var av0: array<f32, R>;
      var av1: array<f32, R>;
      var bv0: array<f32, R>;
      var bv1: array<f32, R>;
      for (var i = 0u; i < R; i++) {
        av0[i] = loadA(aBase, rows[i], k);
        av1[i] = loadA(aBase, rows[i], k + 1u);
      }
      for (var j = 0u; j < R; j++) {
        let word = b[(bBase + cols[j] * p.ldb + k) >> 1u];
        bv0[j] = decodeFloat(word, B_DTYPE, 0u);
        bv1[j] = decodeFloat(word, B_DTYPE, 1u);
      }
      for (var i = 0u; i < R; i++) {
        for (var j = 0u; j < R; j++) { acc[i][j] = fma(av1[i], bv1[j], fma(av0[i], bv0[j], acc[i][j])); }
      }
    }
  } else {
    for (var k = 0u; k < p.K; k++) {
      var av: array<f32, R>;
      var bv: array<f32, R>;
      for (var i = 0u; i < R; i++) { av[i] = loadA(aBase, rows[i], k); }
      for (var j = 0u; j < R; j++) { bv[j] = loadB(bBase, k, cols[j]); }
      for (var i = 0u; i < R; i++) {
        for (var j = 0u; j < R; j++) { acc[i][j] = fma(av[i], bv[j], acc[i][j]); }
      }
    }
  }
  // Bias read once per column, before the store loop: llvmpipe unrolls that loop, and R·R bias
  // reads inside it took half a minute to compile at 32×32.
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
      let at = batch * p.cBatchStride + p.cOffset + m * p.ldc + n;
      if (ACCUMULATE) { v += c[at]; }
      c[at] = v;
    }
  }
}
