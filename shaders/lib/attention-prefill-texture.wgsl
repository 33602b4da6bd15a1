// q: (B,T,H,D) f32, k, v: (B or slots,S,KV,D) f32 cache as row textures, kvLengths: (B) or (2,B) i32 → out: (B,T,H,D) f32, lse: (B,H,T) f32
// attention-prefill.wgsl's flash attention for CPU adapters (lib/attention-texture.wgsl): one thread per
// query with its scaled q and output in registers, reading each key's and value's head straight from the
// cache's row textures (row (slot·S + s)·KV + kv head), CHUNK keys per online-softmax rescale.
// Assumes D = HEAD_DIM a multiple of 64 and ≤ 4·MAX_VEC, H % KV = 0.
#include "lib/attention-common.wgsl"
#include "lib/attention-texture.wgsl"

const CHUNK = 16u;  // keys per rescale of the running output

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> q: array<vec4<f32>>;
@group(0) @binding(2) var k: texture_2d_array<u32>;
@group(0) @binding(3) var v: texture_2d_array<u32>;
@group(0) @binding(4) var<storage, read> kvLengths: array<i32>;
@group(0) @binding(5) var<storage, read_write> out: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read_write> lse: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let r = threadRow(wg, li, p.T, p.H);
  let t = r.x;
  let h = r.y;
  let b = r.z;
  if (b >= p.B || t >= p.T) { return; }  // no barriers, so spare threads may leave
  let limit = keyLimit(b, t);
  let qBase = ((b * p.T + t) * p.H + h) * HEAD_VEC;
  var qr: Vec;
  var acc: Vec;
  for (var c = 0u; c < HEAD_VEC; c++) { qr[c] = p.scale * q[qBase + c]; }
  let row0 = cacheSeq(b) * p.S * p.KV + h / (p.H / p.KV);  // texture row of key 0; key s is KV rows on
  var m = NEG;
  var l = 0.0;
  for (var key0 = 0u; key0 < limit; key0 += CHUNK) {
    var s: array<f32, CHUNK>;
    var mNew = m;
    for (var j = 0u; j < CHUNK; j++) {
      let row = row0 + min(key0 + j, limit - 1u) * p.KV;
      var dot4 = vec4<f32>();
      for (var c = 0u; c < HEAD_VEC; c++) { dot4 += qr[c] * texel(k, row, c); }
      s[j] = select(NEG, sum4(dot4), key0 + j < limit);
      mNew = max(mNew, s[j]);
    }
    let alpha = exp(m - mNew);
    l *= alpha;
    for (var c = 0u; c < HEAD_VEC; c++) { acc[c] *= alpha; }
    for (var j = 0u; j < CHUNK; j++) {
      let pr = select(0.0, exp(s[j] - mNew), key0 + j < limit);
      l += pr;
      let row = row0 + min(key0 + j, limit - 1u) * p.KV;
      for (var c = 0u; c < HEAD_VEC; c++) { acc[c] += pr * texel(v, row, c); }
    }
    m = mNew;
  }
  for (var c = 0u; c < HEAD_VEC; c++) { out[qBase + c] = select(vec4<f32>(), acc[c] / l, l > 0.0); }
  lse[(b * p.H + h) * p.T + t] = select(NEG, m + log(l), l > 0.0);
}
