// main:  x: (M,K) f32, w: (N,K) 4-bit, bias: (N) → y: (M,N) f32          (y = x·Wᵀ + b, prefill)
// TRANS: dy: (M,N) f32, w: (N,K) 4-bit → dx: (M,K) f32                   (dx = dy·W, input gradient)
// Tiling: lib/register-tile.wgsl, as shaders/matmul.wgsl, the inner dimension staged 16 at a time; weights are dequantized while staging into
// workgroup memory, so no full-precision weight exists outside registers and that tile. Edges
// guarded. One weight chunk per dispatch: its rows are output columns (main) or inner indices
// (TRANS, accumulating into dx after the first chunk).
#include "lib/fourbit.wgsl"
#include "lib/register-tile.wgsl"

struct Params {
  M: u32, N: u32, Kin: u32,  // output (M,N) of this dispatch, inner length Kin
  wCols: u32,                // K of the weight: its row stride
  lda: u32, aOffset: u32,    // a[m·lda + aOffset + k]
  ldc: u32, cOffset: u32,    // c[m·ldc + cOffset + n]
}

override TRANS: bool = false;
override ACCUMULATE: bool = false;
override HAS_BIAS: bool = false;
override BIAS_DTYPE: u32 = 0u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(5) var<storage, read_write> c: array<f32>;
@group(0) @binding(6) var<storage, read> bias: array<u32>;


// B(k, n) of the product: W[n, k] for y = x·Wᵀ, W[k, n] for dx = dy·W.
fn loadB(k: u32, n: u32) -> f32 {
  return weightAt(select(n * p.wCols + k, k * p.wCols + n, TRANS));
}

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
  loadCodebook(li);
  let m0 = wg.y * BM;
  let n0 = wg.x * BN;
  var acc: array<array<f32, MAX_T>, MAX_T>;
  for (var k0 = 0u; k0 < p.Kin; k0 += BK) {
    for (var r = 0u; r < (BM * BK) / 256u; r++) {
      let idx = li + r * 256u;
      let am = idx / BK;
      let ak = idx % BK;
      let gm = m0 + am;
      let gk = k0 + ak;
      As[ak * BM + am] = select(0.0, a[gm * p.lda + p.aOffset + gk], gm < p.M && gk < p.Kin);
    }
    for (var r = 0u; r < (BN * BK) / 256u; r++) {
      let idx = li + r * 256u;
      // Neighbouring threads take neighbouring values of a weight row (shared code words).
      var bk: u32;
      var bn: u32;
      if (TRANS) { bk = idx / BN; bn = idx % BN; } else { bn = idx / BK; bk = idx % BK; }
      let gn = n0 + bn;
      let gk = k0 + bk;
      var v = 0.0;
      if (gn < p.N && gk < p.Kin) { v = loadB(gk, gn); }
      Bs[bk * BN + bn] = v;
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
      let at = m * p.ldc + p.cOffset + n;
      var v = acc[i][j];
      if (HAS_BIAS) { v += decodeFloat(bias[wordOf(p.cOffset + n, BIAS_DTYPE)], BIAS_DTYPE, p.cOffset + n); }
      if (ACCUMULATE) { v += c[at]; }
      c[at] = v;
    }
  }
}
