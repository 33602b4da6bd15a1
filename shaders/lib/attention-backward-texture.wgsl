// q, out, dOut: (B,T,H,D) f32, k, v: (B,S,KV,D) f32 as row textures, kvLengths: (B) i32, lse: (B,H,T) f32
//   → dq: (B,T,H,D) f32, stats: (B·H·T, rounded up to 16) vec4 = (lse, rowsum(dOut∘out), 0, 0), the rows of
//     lib/attention-backward-kv-texture.wgsl's stats texture
// lib/attention-backward.wgsl's dQ for CPU adapters (lib/attention-texture.wgsl): one thread per query with
// q, dOut and dq in registers, each key's k and v head read straight from the textures (row (b·S + s)·KV + kv head).
// Masks as the forward; assumes D = HEAD_DIM a multiple of 64 and ≤ 4·MAX_VEC, H % KV = 0.
#include "lib/attention-common.wgsl"
#include "lib/attention-texture.wgsl"

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> q: array<vec4<f32>>;
@group(0) @binding(2) var k: texture_2d_array<u32>;
@group(0) @binding(3) var v: texture_2d_array<u32>;
@group(0) @binding(4) var<storage, read> kvLengths: array<i32>;
@group(0) @binding(5) var<storage, read> out: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read> dOut: array<vec4<f32>>;
@group(0) @binding(7) var<storage, read> lse: array<f32>;
@group(0) @binding(8) var<storage, read_write> dq: array<vec4<f32>>;
@group(0) @binding(9) var<storage, read_write> stats: array<vec4<f32>>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let r = threadRow(wg, li, p.T, p.H);
  let t = r.x;
  let h = r.y;
  let b = r.z;
  if (b >= p.B || t >= p.T) { return; }
  let base = ((b * p.T + t) * p.H + h) * HEAD_VEC;
  var qr: Vec;
  var dor: Vec;
  var acc: Vec;
  var od = vec4<f32>();
  for (var c = 0u; c < HEAD_VEC; c++) {
    qr[c] = p.scale * q[base + c];
    dor[c] = dOut[base + c];
    od = fma(dor[c], out[base + c], od);
  }
  let stat = (b * p.H + h) * p.T + t;
  let rowLse = lse[stat];
  let rowDelta = sum4(od);
  stats[stat] = vec4(rowLse, rowDelta, 0.0, 0.0);
  let limit = keyLimit(b, t);
  let row0 = b * p.S * p.KV + h / (p.H / p.KV);  // texture row of key 0; key s is KV rows on
  for (var s = 0u; s < limit; s++) {
    let row = row0 + s * p.KV;
    var kr: Vec;
    var score = vec4<f32>();
    var dp = vec4<f32>();
    for (var c = 0u; c < HEAD_VEC; c++) {
      kr[c] = texel(k, row, c);
      score = fma(qr[c], kr[c], score);
      dp = fma(dor[c], texel(v, row, c), dp);
    }
    let ds = exp(sum4(score) - rowLse) * (sum4(dp) - rowDelta);
    for (var c = 0u; c < HEAD_VEC; c++) { acc[c] = fma(vec4(ds), kr[c], acc[c]); }
  }
  for (var c = 0u; c < HEAD_VEC; c++) { dq[base + c] = p.scale * acc[c]; }
}
