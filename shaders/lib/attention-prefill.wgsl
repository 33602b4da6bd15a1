// q: (B,T,H,D) f32, k, v: (B or slots,S,KV,D) f32 cache, kvLengths: (B) or (2,B) i32 (lengths, slots) → out: (B,T,H,D) f32, lse: (B,H,T) f32
// Flash attention for many query rows: a 64-thread workgroup per (block of 64 queries, head, batch), one
// thread per query holding its scaled q and output in registers; k and v arrive TILE_ROWS keys at a time
// in workgroup memory, with an online softmax per tile, and tiles past the block's last visible key are
// skipped. Assumes D = HEAD_DIM ≤ 256, H % KV = 0; head h reads kv head h / (H/KV). Masks as attention.wgsl.
#include "lib/attention-common.wgsl"
#include "lib/attention-tile.wgsl"

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> k: array<f32>;
@group(0) @binding(3) var<storage, read> v: array<f32>;
@group(0) @binding(4) var<storage, read> kvLengths: array<i32>;
@group(0) @binding(5) var<storage, read_write> out: array<f32>;
@group(0) @binding(6) var<storage, read_write> lse: array<f32>;

fn loadA(i: u32) -> f32 { return k[i]; }
fn loadB(i: u32) -> f32 { return v[i]; }
fn loadQ(i: u32) -> vec4<f32> { return vec4(q[i], q[i + 1u], q[i + 2u], q[i + 3u]); }

// Writes the lanes of vec4 c of a row that lie inside the head, from element i on.
fn storeOut(i: u32, c: u32, x: vec4<f32>) {
  for (var e = 0u; e < 4u; e++) {
    if (4u * c + e < HEAD_DIM) { out[i + e] = x[e]; }
  }
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let blk = rowBlock(wg, p.T, p.H);
  let valid = blk.valid;
  let t0 = blk.row0;
  let h = blk.head;
  let b = blk.b;
  let t = t0 + li;
  // Spare workgroups of the grid, and rows past T, run with no keys, to keep barriers uniform.
  let live = valid && t < p.T;
  var qr: Vec;
  var acc: Vec;
  var limit = 0u;
  var span = 0u;  // keys any row of the block sees: keyLimit grows with t
  if (live) { limit = keyLimit(b, t); }
  if (valid) { span = keyLimit(b, min(t0 + ROWS, p.T) - 1u); }
  let qBase = ((b * p.T + t) * p.H + h) * HEAD_DIM;
  if (live) {
    for (var c = 0u; c < HEAD_VEC; c++) { qr[c] = select(vec4<f32>(), p.scale * loadQ(qBase + 4u * c), inHead(c)); }
  }

  let stride = p.KV * HEAD_DIM;  // floats between consecutive cache positions
  let kvBase = cacheSeq(b) * p.S * stride + (h / (p.H / p.KV)) * HEAD_DIM;
  var m = NEG;
  var l = 0.0;
  var s: array<f32, ROWS>;
  for (var key0 = 0u; key0 < span; key0 += TILE_ROWS) {
    workgroupBarrier();  // the previous tile's readers are done
    stageTiles(li, min(TILE_ROWS, span - key0), kvBase + key0 * stride, stride);
    workgroupBarrier();
    // Keys of the tile this row sees; the rest (stale tile rows included) are masked by select.
    let seen = select(0u, limit - key0, limit > key0);
    var mNew = m;
    for (var j = 0u; j < TILE_ROWS; j++) {
      s[j] = select(NEG, dotA(&qr, j), j < seen);
      mNew = max(mNew, s[j]);
    }
    let alpha = exp(m - mNew);
    l *= alpha;
    scaleVec(&acc, alpha);
    for (var j = 0u; j < TILE_ROWS; j++) {
      let pr = select(0.0, exp(s[j] - mNew), j < seen);
      l += pr;
      addB(&acc, pr, j);
    }
    m = mNew;
  }

  if (live) {
    for (var c = 0u; c < HEAD_VEC; c++) { storeOut(qBase + 4u * c, c, select(vec4<f32>(), acc[c] / l, l > 0.0)); }
    lse[(b * p.H + h) * p.T + t] = select(NEG, m + log(l), l > 0.0);
  }
}
