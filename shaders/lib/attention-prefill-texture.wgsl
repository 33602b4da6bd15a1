// q: (B,T,H,D) f32, k, v: (B or slots,S,KV,D) f32 cache as row textures, kvLengths: (B) or (2,B) i32 → out: (B,T,H,D) f32, lse: (B,H,T) f32
// attention-prefill.wgsl's flash attention for CPU adapters with the cache's rows in 2-D array
// textures (row (slot·S + s)·KV + kv head, as src/tensor/row-texture.ts lays them): one thread per
// query with its scaled q and output in registers, reading each key's and value's head straight
// from the textures, CHUNK keys per online-softmax rescale. No workgroup memory and no barriers:
// llvmpipe (Mesa 22.3) loads workgroup memory one lane at a time through the stack, and gathers
// texel fetches in registers. Assumes D = HEAD_DIM a multiple of 64 and ≤ 4·MAX_VEC, H % KV = 0.
#include "lib/attention-common.wgsl"

const ROWS = 64u;   // threads per workgroup, one query each
const CHUNK = 16u;  // keys per rescale of the running output

override HEAD_DIM: u32 = 64u;
override HEAD_VEC: u32 = HEAD_DIM / 4u;
override LAYER_ROWS: u32 = 4096u;

alias Vec = array<vec4<f32>, MAX_VEC>;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> q: array<vec4<f32>>;
@group(0) @binding(2) var k: texture_2d_array<u32>;
@group(0) @binding(3) var v: texture_2d_array<u32>;
@group(0) @binding(4) var<storage, read> kvLengths: array<i32>;
@group(0) @binding(5) var<storage, read_write> out: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read_write> lse: array<f32>;

fn texel(t: texture_2d_array<u32>, row: u32, c: u32) -> vec4<f32> {
  return bitcast<vec4<f32>>(textureLoad(t, vec2<u32>(c, row % LAYER_ROWS), row / LAYER_ROWS, 0));
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  // Workgroup (b·H + h)·blocks + block, spread over x and y as grid() does.
  let blocks = (p.T + ROWS - 1u) / ROWS;
  let cell = wg.x + wg.y * 65535u;
  let t = (cell % blocks) * ROWS + li;
  let h = (cell / blocks) % p.H;
  let b = cell / (blocks * p.H);
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
      s[j] = select(NEG, dot4.x + dot4.y + dot4.z + dot4.w, key0 + j < limit);
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
