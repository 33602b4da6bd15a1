// q, out, dOut: (B,T,H,D) f32, k, v: (B,S,KV,D) f32, kvLengths: (B) i32, lse: (B,H,T) f32
//   → dq: (B,T,H,D) f32, delta: (B,H,T) f32 = rowsum(dOut∘out), read by lib/attention-backward-kv.wgsl
// Flash-attention-2's dQ: P is recomputed from q, k and the forward's lse, dS = P∘(dOut·vᵀ − delta),
// dq = scale·dS·k. Tiled as lib/attention-prefill.wgsl: a 64-thread workgroup per (block of 64 queries, head,
// batch), one thread per query with q, dOut and dq in registers, k and v tiles in workgroup memory.
// Masks as the forward; assumes D = HEAD_DIM ≤ 256, H % KV = 0.
#include "lib/attention-common.wgsl"
#include "lib/attention-tile.wgsl"

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

fn loadA(i: u32) -> f32 { return k[i]; }
fn loadB(i: u32) -> f32 { return v[i]; }

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
  var dor: Vec;
  var acc: Vec;
  let stat = (b * p.H + h) * p.T + t;
  let qBase = ((b * p.T + t) * p.H + h) * HEAD_DIM;
  var limit = 0u;
  var span = 0u;  // keys any row of the block sees: keyLimit grows with t
  var rowLse = 0.0;
  var rowDelta = 0.0;
  if (live) {
    limit = keyLimit(b, t);
    rowLse = lse[stat];
    var od = vec4<f32>();
    for (var c = 0u; c < HEAD_VEC; c++) {
      let i = qBase + 4u * c;
      let inside = inHead(c);
      qr[c] = select(vec4<f32>(), p.scale * vec4(q[i], q[i + 1u], q[i + 2u], q[i + 3u]), inside);
      dor[c] = select(vec4<f32>(), vec4(dOut[i], dOut[i + 1u], dOut[i + 2u], dOut[i + 3u]), inside);
      od = fma(dor[c], select(vec4<f32>(), vec4(out[i], out[i + 1u], out[i + 2u], out[i + 3u]), inside), od);
    }
    rowDelta = (od.x + od.y) + (od.z + od.w);
    delta[stat] = rowDelta;
  }
  if (valid) { span = keyLimit(b, min(t0 + ROWS, p.T) - 1u); }

  let stride = p.KV * HEAD_DIM;  // floats between consecutive cache positions
  let kvBase = b * p.S * stride + (h / (p.H / p.KV)) * HEAD_DIM;
  for (var key0 = 0u; key0 < span; key0 += TILE_ROWS) {
    workgroupBarrier();  // the previous tile's readers are done
    stageTiles(li, min(TILE_ROWS, span - key0), kvBase + key0 * stride, stride);
    workgroupBarrier();
    // Keys of the tile this row sees; the rest (stale tile rows included) are masked by select.
    let seen = select(0u, limit - key0, limit > key0);
    for (var j = 0u; j < TILE_ROWS; j++) {
      let ds = exp(dotA(&qr, j) - rowLse) * (dotB(&dor, j) - rowDelta);
      addA(&acc, select(0.0, ds, j < seen), j);
    }
  }
  if (live) {
    for (var c = 0u; c < HEAD_VEC; c++) {
      for (var e = 0u; e < 4u; e++) {
        if (4u * c + e < HEAD_DIM) { dq[qBase + 4u * c + e] = p.scale * acc[c][e]; }
      }
    }
  }
}
