// q, dOut: (B,T,H,D) f32 as row textures, k, v: (B,S,KV,D) f32, kvLengths: (B) i32,
// stats: lib/attention-backward-texture.wgsl's (lse, delta) per (b, h, t) as a row texture of 16 per row
//   → dk, dv: (B,S,KV,D) f32   (dv = Pᵀ·dOut, dk = scale·dSᵀ·q, summed over the kv head's query heads)
// lib/attention-backward-kv.wgsl's dK and dV for CPU adapters (lib/attention-texture.wgsl): one thread per
// key with its k, v, dk and dv in registers; for each query head of the group in turn, every query from the
// first that sees the key reads its q and dOut head straight from the textures (row (b·T + t)·H + h), P
// recomputed from the forward's lse. Each thread sums in a fixed order: deterministic, no atomics. Unseen
// positions get zeros. Assumes D = HEAD_DIM a multiple of 64 and ≤ 4·MAX_VEC, H % KV = 0.
#include "lib/attention-common.wgsl"
#include "lib/attention-texture.wgsl"

const STATS_PER_ROW = 16u;  // (lse, delta) texels per stats row: 64 floats, as src/tensor/ops/attention-texture.ts stages them

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var q: texture_2d_array<u32>;
@group(0) @binding(2) var<storage, read> k: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> v: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> kvLengths: array<i32>;
@group(0) @binding(5) var dOut: texture_2d_array<u32>;
@group(0) @binding(6) var stats: texture_2d_array<u32>;
@group(0) @binding(7) var<storage, read_write> dk: array<vec4<f32>>;
@group(0) @binding(8) var<storage, read_write> dv: array<vec4<f32>>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let r = threadRow(wg, li, p.S, p.KV);
  let s = r.x;
  let kvh = r.y;
  let b = r.z;
  if (b >= p.B || s >= p.S) { return; }
  let base = ((b * p.S + s) * p.KV + kvh) * HEAD_VEC;
  var kr: Vec;
  var vr: Vec;
  var dkAcc: Vec;
  var dvAcc: Vec;
  for (var c = 0u; c < HEAD_VEC; c++) {
    kr[c] = p.scale * k[base + c];
    vr[c] = v[base + c];
  }
  let first = firstQuery(b, s);
  let group = p.H / p.KV;
  for (var g = 0u; g < group; g++) {
    let h = kvh * group + g;
    for (var t = first; t < p.T; t++) {
      let row = (b * p.T + t) * p.H + h;
      let stat = (b * p.H + h) * p.T + t;
      let st = texel(stats, stat / STATS_PER_ROW, stat % STATS_PER_ROW);
      var qt: Vec;
      var dot: Vec;
      var score = vec4<f32>();
      var dp = vec4<f32>();
      for (var c = 0u; c < HEAD_VEC; c++) {
        qt[c] = texel(q, row, c);
        dot[c] = texel(dOut, row, c);
        score = fma(kr[c], qt[c], score);
        dp = fma(vr[c], dot[c], dp);
      }
      let pr = exp(sum4(score) - st.x);
      let ds = pr * (sum4(dp) - st.y);
      for (var c = 0u; c < HEAD_VEC; c++) {
        dvAcc[c] = fma(vec4(pr), dot[c], dvAcc[c]);
        dkAcc[c] = fma(vec4(ds), qt[c], dkAcc[c]);
      }
    }
  }
  for (var c = 0u; c < HEAD_VEC; c++) {
    dk[base + c] = p.scale * dkAcc[c];
    dv[base + c] = dvAcc[c];
  }
}
