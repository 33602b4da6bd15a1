// Tiling: SPLIT invocations per (batch, head, query row), GROUP rows a workgroup; each invocation walks every
// SPLIT-th block of KEYS visible keys with an online softmax over vec4 loads, and where SPLIT > 1 the row's first
// invocation merges the partial softmaxes from workgroup memory after one barrier. Assumes D = HEAD_DIM a
// multiple of 4, ≤ 128, H % KV = 0.
// q: (B,T,H,D) f32, k, v: (B or slots,S,KV,D) f32 cache, kvLengths: (B) or (2,B) i32 (lengths, slots) → out: (B,T,H,D) f32, lse: (B,H,T) f32
// The decode attention for CPU adapters (src/gpu/adapter-kind.ts): llvmpipe runs a workgroup as one
// thread, where attention.wgsl's barrier trees cost most. Neighbouring invocations are neighbouring
// heads of one row, so those sharing a kv head (GQA) read the same k and v rows. Where rows are few (batch 1)
// a row's keys are split over SPLIT invocations, so that llvmpipe's SIMD lanes are not mostly idle.
// Masks as attention.wgsl.
#include "lib/attention-common.wgsl"

override HEAD_DIM: u32 = 64u;
override DV: u32 = HEAD_DIM / 4u;          // vec4s of a head
override HEAD_VEC: u32 = (DV + 1u) / 2u * 2u;  // DV rounded up to pairs: loops take 8 floats a step (see below)
override GROUP: u32 = 8u;                   // rows per workgroup
override SPLIT: u32 = 1u;                   // invocations per row

const MAX_VEC = 32u;  // vec4s of the largest head, D = 128: llvmpipe took minutes to compile D = 256
const KEYS = 4u;      // keys per softmax step: one rescale of the output per KEYS keys

alias Vec = array<vec4<f32>, MAX_VEC>;

// Each invocation's partial softmax (running max, sum and output) for the merge where SPLIT > 1.
var<workgroup> partM: array<f32, GROUP * SPLIT>;
var<workgroup> partL: array<f32, GROUP * SPLIT>;
var<workgroup> partAcc: array<vec4<f32>, GROUP * SPLIT * DV>;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> q: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> k: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> v: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> kvLengths: array<i32>;
@group(0) @binding(5) var<storage, read_write> out: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read_write> lse: array<f32>;

// Vec4 c + 1 of a head row from element (vec4) i, zero in the pair padding past DV. Loops over a head take
// two vec4s a step, at most 16 steps, which compilers unroll: llvmpipe ends all loops of an invocation
// once their iterations together pass 65535, and what is left is a few loops per KEYS keys.
fn second(buf: u32, i: u32, c: u32) -> vec4<f32> {
  if (c + 1u >= DV) { return vec4<f32>(); }
  if (buf == 0u) { return k[i + c + 1u]; }
  return v[i + c + 1u];
}

fn dotK(x: ptr<function, Vec>, row: u32) -> f32 {
  var s = vec4<f32>();
  for (var c = 0u; c < HEAD_VEC; c += 2u) {
    s = fma((*x)[c], k[row + c], s);
    s = fma((*x)[c + 1u], second(0u, row, c), s);
  }
  return (s.x + s.y) + (s.z + s.w);
}

// acc += w · the v row from vec4 `row`
fn addV(acc: ptr<function, Vec>, w: f32, row: u32) {
  for (var c = 0u; c < HEAD_VEC; c += 2u) {
    (*acc)[c] = fma(vec4(w), v[row + c], (*acc)[c]);
    (*acc)[c + 1u] = fma(vec4(w), second(1u, row, c), (*acc)[c + 1u]);
  }
}

@compute @workgroup_size(GROUP * SPLIT)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let part = li % SPLIT;
  let row = (wg.x + wg.y * 65535u) * GROUP + li / SPLIT;
  // Spare invocations walk no keys but reach the merge's barrier.
  let live = row < p.B * p.H * p.T;
  let t = row % p.T;
  let h = (row / p.T) % p.H;
  let b = row / (p.T * p.H);
  let qBase = ((b * p.T + t) * p.H + h) * DV;
  var acc: Vec;
  var m = NEG;
  var l = 0.0;
  if (live) {
    let limit = keyLimit(b, t);
    var qr: Vec;
    for (var c = 0u; c < HEAD_VEC; c++) { qr[c] = select(vec4<f32>(), p.scale * q[qBase + min(c, DV - 1u)], c < DV); }
    let stride = p.KV * DV;  // vec4s between consecutive cache positions
    let kvBase = cacheSeq(b) * p.S * stride + (h / (p.H / p.KV)) * DV;
    for (var key0 = part * KEYS; key0 < limit; key0 += SPLIT * KEYS) {
      // Keys past the limit read the last visible row again and weigh 0.
      var s: array<f32, KEYS>;
      var mNew = m;
      for (var j = 0u; j < KEYS; j++) {
        let key = key0 + j;
        s[j] = select(NEG, dotK(&qr, kvBase + min(key, limit - 1u) * stride), key < limit);
        mNew = max(mNew, s[j]);
      }
      let alpha = exp(m - mNew);
      l *= alpha;
      for (var c = 0u; c < HEAD_VEC; c += 2u) {
        acc[c] *= alpha;
        acc[c + 1u] *= alpha;
      }
      for (var j = 0u; j < KEYS; j++) {
        let key = key0 + j;
        let pr = select(0.0, exp(s[j] - mNew), key < limit);
        l += pr;
        addV(&acc, pr, kvBase + min(key, limit - 1u) * stride);
      }
      m = mNew;
    }
  }
  if (SPLIT > 1u) {
    partM[li] = m;
    partL[li] = l;
    for (var c = 0u; c < DV; c++) { partAcc[li * DV + c] = acc[c]; }
    workgroupBarrier();
    if (part != 0u) { return; }
    for (var j = 1u; j < SPLIT; j++) { m = max(m, partM[li + j]); }
    l = 0.0;
    for (var c = 0u; c < DV; c++) { acc[c] = vec4<f32>(); }
    for (var j = 0u; j < SPLIT; j++) {
      let w = exp(partM[li + j] - m);
      l += w * partL[li + j];
      for (var c = 0u; c < DV; c++) { acc[c] = fma(vec4(w), partAcc[(li + j) * DV + c], acc[c]); }
    }
  }
  if (!live) { return; }
  for (var c = 0u; c < DV; c++) { out[qBase + c] = select(vec4<f32>(), acc[c] / l, l > 0.0); }
  lse[(b * p.H + h) * p.T + t] = select(NEG, m + log(l), l > 0.0);
}
