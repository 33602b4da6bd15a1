// q: (B,T,H,D) f32, k, v: (B or slots,S,KV,D) f32 cache, kvLengths: (B) or (2,B) i32 (lengths, slots) → out: (B,T,H,D) f32, lse: (B,H,T) f32
// One 256-thread workgroup per (query row, head, batch), keys in blocks of 64: 4 threads per key for the
// scores, a workgroup max, then online softmax; for P·V the threads split into ⌊256/D⌋ key slices × D
// output dims, each thread owning one dim of one slice. Nothing is sized by S; assumes D ≤ 256, H % KV = 0.
// Head h reads kv head h / (H/KV) (HF repeat_kv). Row t of sequence b sits at position pastLength + t
// (kvLengths[b] − T + t with HAS_LENGTHS) and sees keys below min(cache length, position + 1).

#include "lib/attention-common.wgsl"


@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> k: array<f32>;
@group(0) @binding(3) var<storage, read> v: array<f32>;
@group(0) @binding(4) var<storage, read> kvLengths: array<i32>;
@group(0) @binding(5) var<storage, read_write> out: array<f32>;
@group(0) @binding(6) var<storage, read_write> lse: array<f32>;

var<workgroup> qs: array<f32, WG>;     // the query row, pre-scaled
var<workgroup> part: array<f32, WG>;   // partial dot products; at the end the slices' partial outputs
var<workgroup> red: array<f32, BLOCK>; // block max tree; at the end the denominator shares
var<workgroup> probs: array<f32, BLOCK>;

// Max of red[0..BLOCK) into red[0]; called by the whole workgroup.
fn blockMax(li: u32) {
  for (var w = BLOCK / 2u; w > 0u; w >>= 1u) {
    if (li < w) { red[li] = max(red[li], red[li + w]); }
    workgroupBarrier();
  }
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let row = wg.x + wg.y * 65535u;
  // Spare workgroups of the grid run with no keys instead of returning, to keep barriers uniform.
  let valid = row < p.B * p.H * p.T;
  let t = row % p.T;
  let h = (row / p.T) % p.H;
  let b = row / (p.T * p.H);
  var limit = 0u;
  if (valid) { limit = keyLimit(b, t); }
  let qBase = ((b * p.T + t) * p.H + h) * p.D;
  if (valid && li < p.D) { qs[li] = q[qBase + li] * p.scale; }
  workgroupBarrier();

  let stride = p.KV * p.D;  // floats between consecutive cache positions
  let kvBase = cacheSeq(b) * p.S * stride + (h / (p.H / p.KV)) * p.D;
  let slices = WG / p.D;
  let slice = li / p.D;
  let dim = li % p.D;
  let key = li / LANES;
  var m = NEG;
  var share = 0.0;  // this thread's part of the denominator (threads li < BLOCK), rescaled with m
  var acc = 0.0;    // output `dim` over this slice's keys, rescaled with m
  for (var key0 = 0u; key0 < limit; key0 += BLOCK) {
    let n = min(BLOCK, limit - key0);
    var dot = 0.0;
    if (key < n) {
      let kRow = kvBase + (key0 + key) * stride;
      for (var d = li % LANES; d < p.D; d += LANES) { dot = fma(qs[d], k[kRow + d], dot); }
    }
    part[li] = dot;
    workgroupBarrier();
    var s = NEG;
    if (li < n) {
      let at = li * LANES;
      s = (part[at] + part[at + 1u]) + (part[at + 2u] + part[at + 3u]);
    }
    if (li < BLOCK) { red[li] = s; }
    workgroupBarrier();
    blockMax(li);
    let mNew = max(m, red[0]);
    let alpha = exp(m - mNew);
    m = mNew;
    if (li < BLOCK) {
      let pr = select(0.0, exp(s - mNew), li < n);
      probs[li] = pr;
      share = share * alpha + pr;
    }
    workgroupBarrier();
    if (slice < slices) {
      acc *= alpha;
      for (var j = slice; j < n; j += slices) {
        acc = fma(probs[j], v[kvBase + (key0 + j) * stride + dim], acc);
      }
    }
  }

  // Every read of red, part and probs in the loop precedes its last barrier, so these writes are safe.
  if (li < BLOCK) { red[li] = share; }
  part[li] = acc;
  workgroupBarrier();
  var l = 0.0;
  for (var i = 0u; i < BLOCK; i++) { l += red[i]; }
  if (valid && li < p.D) {
    var sum = 0.0;
    for (var sl = 0u; sl < slices; sl++) { sum += part[sl * p.D + li]; }
    out[qBase + li] = select(0.0, sum / l, l > 0.0);
  }
  if (valid && li == 0u) {
    lse[(b * p.H + h) * p.T + t] = select(NEG, m + log(l), l > 0.0);
  }
}
