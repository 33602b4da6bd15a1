// q, dOut: (B,T,H,D) f32, k, v: (B,S,KV,D) f32, kvLengths: (B) i32, lse, delta: (B,H,T) f32
//   → dk, dv: (B,S,KV,D) f32   (dv = Pᵀ·dOut, dk = scale·dSᵀ·q, summed over the kv head's query heads)
// A 64-thread workgroup per (block of 64 cache positions, kv head, batch), one thread per key with its k, v,
// dk and dv in registers; for each query head of the group in turn, q and dOut arrive TILE_ROWS queries at
// a time in workgroup memory from the first query that sees the block's first key, P recomputed from the
// forward's lse. Each thread sums in a fixed order: deterministic, no atomics. Unseen positions get zeros.
#include "lib/attention-common.wgsl"
#include "lib/attention-tile.wgsl"

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

var<workgroup> lseTile: array<f32, ROWS>;
var<workgroup> deltaTile: array<f32, ROWS>;

fn loadA(i: u32) -> f32 { return q[i]; }
fn loadB(i: u32) -> f32 { return dOut[i]; }

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let blk = rowBlock(wg, p.S, p.KV);
  let valid = blk.valid;
  let s0 = blk.row0;
  let kvh = blk.head;
  let b = blk.b;
  let s = s0 + li;
  // Spare workgroups of the grid, and keys past S, run with no queries, to keep barriers uniform.
  let live = valid && s < p.S;
  var kr: Vec;
  var vr: Vec;
  var dkAcc: Vec;
  var dvAcc: Vec;
  var first = p.T;  // this key's first query
  var start = p.T;  // the block's: firstQuery grows with s
  if (live) { first = firstQuery(b, s); }
  if (valid) { start = firstQuery(b, s0); }
  let kBase = ((b * p.S + s) * p.KV + kvh) * HEAD_DIM;
  if (live) {
    for (var c = 0u; c < HEAD_VEC; c++) {
      let i = kBase + 4u * c;
      kr[c] = select(vec4<f32>(), p.scale * vec4(k[i], k[i + 1u], k[i + 2u], k[i + 3u]), inHead(c));
      vr[c] = select(vec4<f32>(), vec4(v[i], v[i + 1u], v[i + 2u], v[i + 3u]), inHead(c));
    }
  }

  let group = p.H / p.KV;
  let tiles = (p.T - start + TILE_ROWS - 1u) / TILE_ROWS;  // per query head
  for (var tile = 0u; tile < group * tiles; tile++) {
    let h = kvh * group + tile / tiles;
    let t0 = start + (tile % tiles) * TILE_ROWS;
    let n = min(TILE_ROWS, p.T - t0);
    workgroupBarrier();  // the previous tile's readers are done
    stageTiles(li, n, ((b * p.T + t0) * p.H + h) * HEAD_DIM, p.H * HEAD_DIM);
    if (li < n) {
      lseTile[li] = lse[(b * p.H + h) * p.T + t0 + li];
      deltaTile[li] = delta[(b * p.H + h) * p.T + t0 + li];
    }
    workgroupBarrier();
    for (var i = 0u; i < TILE_ROWS; i++) {
      let pr = select(0.0, exp(dotA(&kr, i) - lseTile[i]), t0 + i >= first && i < n);
      let ds = pr * (dotB(&vr, i) - deltaTile[i]);
      addB(&dvAcc, pr, i);
      addA(&dkAcc, ds, i);
    }
  }
  if (live) {
    for (var c = 0u; c < HEAD_VEC; c++) {
      for (var e = 0u; e < 4u; e++) {
        if (4u * c + e < HEAD_DIM) {
          dk[kBase + 4u * c + e] = p.scale * dkAcc[c][e];
          dv[kBase + 4u * c + e] = dvAcc[c][e];
        }
      }
    }
  }
}
