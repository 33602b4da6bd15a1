// a: (batch,M,K) or (batch,K,M) if TRANS_A f32, b: (batch|1,K,N) or (batch|1,N,K) if TRANS_B stored as
// B_DTYPE, bias: (N) → c: (batch,M,N) f32, overwritten, or added to with ACCUMULATE.
// Tiling: lib/register-tile.wgsl's (16·TM)×(16·TN) register-blocked tile, K staged 16 at a time;
// edges are guarded, so M, N, K need not be multiples of anything.
// Each operand is a strided window (offset, leading dimension) of its buffer, so chunked tensors,
// split inner dimensions (summed with ACCUMULATE) and the backward's transposes need no copies.
#include "lib/storage.wgsl"
#include "lib/register-tile.wgsl"

struct Params {
  M: u32, N: u32, K: u32,
  aBatchStride: u32, bBatchStride: u32, cBatchStride: u32,
  aOffset: u32, bOffset: u32, cOffset: u32,  // element of each buffer at this dispatch's (0,0)
  lda: u32, ldb: u32, ldc: u32,             // row strides as stored
  biasOffset: u32,                          // bias element of column 0
}

override TRANS_A: bool = false;
override TRANS_B: bool = false;
override ACCUMULATE: bool = false;
override B_DTYPE: u32 = 0u;
override HAS_BIAS: bool = false;
override BIAS_DTYPE: u32 = 0u;


@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<u32>;
@group(0) @binding(3) var<storage, read> bias: array<u32>;
@group(0) @binding(4) var<storage, read_write> c: array<f32>;


fn loadB(batch: u32, k: u32, n: u32) -> f32 {
  let i = batch * p.bBatchStride + p.bOffset + select(k * p.ldb + n, n * p.ldb + k, TRANS_B);
  return decodeFloat(b[wordOf(i, B_DTYPE)], B_DTYPE, i);
}

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
  let batch = wg.z;
  let m0 = wg.y * BM;
  let n0 = wg.x * BN;
  let aBase = batch * p.aBatchStride + p.aOffset;
  var acc: array<array<f32, MAX_T>, MAX_T>;
  for (var k0 = 0u; k0 < p.K; k0 += BK) {
    // Consecutive threads take consecutive stored elements, so global reads coalesce either way round.
    for (var r = 0u; r < (BM * BK) / 256u; r++) {
      let idx = li + r * 256u;
      var am: u32;
      var ak: u32;
      if (TRANS_A) { ak = idx / BM; am = idx % BM; } else { am = idx / BK; ak = idx % BK; }
      let gm = m0 + am;
      let gk = k0 + ak;
      let at = aBase + select(gm * p.lda + gk, gk * p.lda + gm, TRANS_A);
      As[ak * BM + am] = select(0.0, a[at], gm < p.M && gk < p.K);
    }
    for (var r = 0u; r < (BN * BK) / 256u; r++) {
      let idx = li + r * 256u;
      var bk: u32;
      var bn: u32;
      if (TRANS_B) { bn = idx / BK; bk = idx % BK; } else { bk = idx / BN; bn = idx % BN; }
      let gn = n0 + bn;
      let gk2 = k0 + bk;
      Bs[bk * BN + bn] = select(0.0, loadB(batch, gk2, gn), gn < p.N && gk2 < p.K);
    }
    workgroupBarrier();
    accumulateTile(lid, &acc);
    workgroupBarrier();
  }
  for (var i = 0u; i < TM; i++) {
    let m = m0 + lid.y + 16u * i;
    if (m >= p.M) { continue; }
    for (var j = 0u; j < TN; j++) {
      let n = n0 + lid.x + 16u * j;
      if (n >= p.N) { continue; }
      var v = acc[i][j];
      if (HAS_BIAS) {
        let nb = p.biasOffset + n;
        v += decodeFloat(bias[wordOf(nb, BIAS_DTYPE)], BIAS_DTYPE, nb);
      }
      let at = batch * p.cBatchStride + p.cOffset + m * p.ldc + n;
      if (ACCUMULATE) { v += c[at]; }
      c[at] = v;
    }
  }
}
