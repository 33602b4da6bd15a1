// q, dOut: (B,T,H,D) f32, k, v: (B,S,KV,D) f32, kvLengths: (B) i32, lse, delta: (B,H,T) f32
//   → dk, dv: (B,S,KV,D) f32   (dv = Pᵀ·dOut, dk = scale·dSᵀ·q, summed over the kv head's query heads)
// One 256-thread workgroup per (kv head, cache position, batch), in k's own order, loops over the
// (query head of its group, query) pairs that see its key — heads outer, queries from the first that
// sees the key — in blocks of 64 with 4 threads per pair for q·k and dOut·v; P is recomputed from the
// forward's lse. For the sums the threads split into ⌊256/D⌋ pair slices × D dims, added over slices in a
// fixed order at the end: deterministic, no float atomics. Positions no query sees get zeros.
#include "lib/attention-common.wgsl"


@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> k: array<f32>;
@group(0) @binding(3) var<storage, read> v: array<f32>;
@group(0) @binding(4) var<storage, read> kvLengths: array<i32>;
@group(0) @binding(5) var<storage, read> dOut: array<f32>;
@group(0) @binding(6) var<storage, read> lse: array<f32>;
@group(0) @binding(7) var<storage, read> delta: array<f32>;
@group(0) @binding(8) var<storage, read_write> dk: array<f32>;
@group(0) @binding(9) var<storage, read_write> dv: array<f32>;

var<workgroup> ks: array<f32, WG>;
var<workgroup> vs: array<f32, WG>;
var<workgroup> partS: array<f32, WG>;  // partial q·k; at the end the slices' partial dk
var<workgroup> partP: array<f32, WG>;  // partial dOut·v; at the end the slices' partial dv
var<workgroup> pBlock: array<f32, BLOCK>;
var<workgroup> dsBlock: array<f32, BLOCK>;
var<workgroup> rowBlock: array<u32, BLOCK>;  // first element of each pair's q and dOut row

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let cell = wg.x + wg.y * 65535u;  // (b·S + s)·KV + kv head, as k is laid out
  // Spare workgroups of the grid run with no pairs instead of returning, to keep barriers uniform.
  let valid = cell < p.B * p.S * p.KV;
  let kvh = cell % p.KV;
  let s = (cell / p.KV) % p.S;
  let b = cell / (p.KV * p.S);
  let group = p.H / p.KV;
  var t0 = p.T;
  if (valid) { t0 = firstQuery(b, s); }
  let nT = p.T - t0;
  let pairs = group * nT;
  let kBase = cell * p.D;
  if (valid && li < p.D) {
    ks[li] = k[kBase + li];
    vs[li] = v[kBase + li];
  }
  workgroupBarrier();

  let slices = WG / p.D;
  let slice = li / p.D;
  let dim = li % p.D;
  let lane = li / LANES;
  var accK = 0.0;
  var accV = 0.0;
  for (var i0 = 0u; i0 < pairs; i0 += BLOCK) {
    let n = min(BLOCK, pairs - i0);
    var sd = 0.0;
    var pd = 0.0;
    if (lane < n) {
      let h = kvh * group + (i0 + lane) / nT;
      let t = t0 + (i0 + lane) % nT;
      let qRow = ((b * p.T + t) * p.H + h) * p.D;
      for (var d = li % LANES; d < p.D; d += LANES) {
        sd = fma(q[qRow + d], ks[d], sd);
        pd = fma(dOut[qRow + d], vs[d], pd);
      }
    }
    partS[li] = sd;
    partP[li] = pd;
    workgroupBarrier();
    if (li < n) {
      let h = kvh * group + (i0 + li) / nT;
      let t = t0 + (i0 + li) % nT;
      let stat = (b * p.H + h) * p.T + t;
      let at = li * LANES;
      let score = p.scale * ((partS[at] + partS[at + 1u]) + (partS[at + 2u] + partS[at + 3u]));
      let dp = (partP[at] + partP[at + 1u]) + (partP[at + 2u] + partP[at + 3u]);
      let pr = exp(score - lse[stat]);
      pBlock[li] = pr;
      dsBlock[li] = pr * (dp - delta[stat]);
      // Written here, not with the dot products, so no thread still reads the previous block's rows.
      rowBlock[li] = ((b * p.T + t) * p.H + h) * p.D;
    }
    workgroupBarrier();
    if (slice < slices) {
      for (var j = slice; j < n; j += slices) {
        let at = rowBlock[j] + dim;
        accK = fma(dsBlock[j], q[at], accK);
        accV = fma(pBlock[j], dOut[at], accV);
      }
    }
  }
  // Every read of partS/partP in the loop precedes its last barrier, so these writes are safe.
  partS[li] = accK;
  partP[li] = accV;
  workgroupBarrier();
  if (valid && li < p.D) {
    var sumK = 0.0;
    var sumV = 0.0;
    for (var sl = 0u; sl < slices; sl++) {
      sumK += partS[sl * p.D + li];
      sumV += partP[sl * p.D + li];
    }
    dk[kBase + li] = p.scale * sumK;
    dv[kBase + li] = sumV;
  }
}
