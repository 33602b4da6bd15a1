// q, out, dOut: (B,T,H,D) f32, k, v: (B,S,KV,D) f32, kvLengths: (B) i32, lse: (B,H,T) f32
//   → dq: (B,T,H,D) f32, delta: (B,H,T) f32 = rowsum(dOut∘out), read by attention_backward_kv.wgsl
// Flash-attention-2's dQ: P is recomputed from q, k and the forward's lse, dS = P∘(dOut·vᵀ − delta),
// dq = scale·dS·k. One 256-thread workgroup per (query row, head, batch), keys in blocks of 64 with 4
// threads per key for the two dot products; for dS·k the threads split into ⌊256/D⌋ key slices × D dims,
// summed over slices in a fixed order at the end. Mask and grid as the forward; D ≤ 256, H % KV = 0.
#include "lib/attention-common.wgsl"
#include "lib/workgroup-sum.wgsl"


@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> k: array<f32>;
@group(0) @binding(3) var<storage, read> v: array<f32>;
@group(0) @binding(4) var<storage, read> kvLengths: array<i32>;
@group(0) @binding(5) var<storage, read> out: array<f32>;
@group(0) @binding(6) var<storage, read> dOut: array<f32>;
@group(0) @binding(7) var<storage, read> lse: array<f32>;
@group(0) @binding(8) var<storage, read_write> dq: array<f32>;
@group(0) @binding(9) var<storage, read_write> delta: array<f32>;

var<workgroup> qs: array<f32, WG>;     // the query row, pre-scaled
var<workgroup> dos: array<f32, WG>;    // its output gradient
var<workgroup> partS: array<f32, WG>;  // partial q·k; at the end the slices' partial dq
var<workgroup> partP: array<f32, WG>;  // partial dOut·v
var<workgroup> dsBlock: array<f32, BLOCK>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let row = wg.x + wg.y * 65535u;
  // Spare workgroups of the grid run with no keys instead of returning, to keep barriers uniform.
  let valid = row < p.B * p.H * p.T;
  let t = row % p.T;
  let h = (row / p.T) % p.H;
  let b = row / (p.T * p.H);
  let stat = (b * p.H + h) * p.T + t;
  var limit = 0u;
  var rowLse = 0.0;
  if (valid) {
    limit = keyLimit(b, t);
    rowLse = lse[stat];
  }
  let qBase = ((b * p.T + t) * p.H + h) * p.D;
  var od = 0.0;
  if (valid && li < p.D) {
    qs[li] = q[qBase + li] * p.scale;
    dos[li] = dOut[qBase + li];
    od = dos[li] * out[qBase + li];
  }
  let rowDelta = workgroupSum(li, od);  // its barriers also publish qs and dos
  if (valid && li == 0u) { delta[stat] = rowDelta; }

  let stride = p.KV * p.D;  // floats between consecutive cache positions
  let kvBase = b * p.S * stride + (h / (p.H / p.KV)) * p.D;
  let slices = WG / p.D;
  let slice = li / p.D;
  let dim = li % p.D;
  let key = li / LANES;
  var acc = 0.0;
  for (var key0 = 0u; key0 < limit; key0 += BLOCK) {
    let n = min(BLOCK, limit - key0);
    var sd = 0.0;
    var pd = 0.0;
    if (key < n) {
      let kRow = kvBase + (key0 + key) * stride;
      for (var d = li % LANES; d < p.D; d += LANES) {
        sd = fma(qs[d], k[kRow + d], sd);
        pd = fma(dos[d], v[kRow + d], pd);
      }
    }
    partS[li] = sd;
    partP[li] = pd;
    workgroupBarrier();
    if (li < n) {
      let at = li * LANES;
      let s = (partS[at] + partS[at + 1u]) + (partS[at + 2u] + partS[at + 3u]);
      let dp = (partP[at] + partP[at + 1u]) + (partP[at + 2u] + partP[at + 3u]);
      dsBlock[li] = exp(s - rowLse) * (dp - rowDelta);
    }
    workgroupBarrier();
    if (slice < slices) {
      for (var j = slice; j < n; j += slices) {
        acc = fma(dsBlock[j], k[kvBase + (key0 + j) * stride + dim], acc);
      }
    }
  }
  // Every read of partS in the loop precedes its last barrier, so this write is safe.
  partS[li] = acc;
  workgroupBarrier();
  if (valid && li < p.D) {
    var sum = 0.0;
    for (var sl = 0u; sl < slices; sl++) { sum += partS[sl * p.D + li]; }
    dq[qBase + li] = p.scale * sum;
  }
}
