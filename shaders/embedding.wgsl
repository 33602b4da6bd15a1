// table: (V,C) stored as TABLE_DTYPE, ids: (N) i32 → out: (N,C) f32   (out[n] = table[ids[n]], zeros if ids[n] ∉ [0,V))
// One 256-thread workgroup per token (x + y·65535), threads striding C so reads and writes coalesce.
// Dispatched once per (table chunk, output chunk): a token is written by the dispatch whose table chunk
// holds its row; an out-of-range id is zeroed by the dispatch of the first table chunk.
#include "lib/storage.wgsl"

struct Params {
  tokens: u32,    // tokens in this output chunk
  C: u32,
  tokenStart: u32,  // first token (index into ids) of this output chunk
  rowStart: u32,  // first table row of this chunk
  rows: u32,      // table rows in this chunk
  V: u32,
}

override TABLE_DTYPE: u32 = 0u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> table: array<u32>;
@group(0) @binding(2) var<storage, read> ids: array<i32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let t = wg.x + wg.y * 65535u;
  if (t >= p.tokens) { return; }
  let id = ids[p.tokenStart + t];
  // Compared as i32 so a negative id is out of range rather than a huge row.
  let inChunk = id >= i32(p.rowStart) && id < i32(p.rowStart + p.rows);
  let invalid = (id < 0 || id >= i32(p.V)) && p.rowStart == 0u;
  if (!inChunk && !invalid) { return; }
  let src = u32(id - i32(p.rowStart)) * p.C;
  for (var c = li; c < p.C; c += 256u) {
    var v = 0.0;
    if (inChunk) { v = decodeFloat(table[wordOf(src + c, TABLE_DTYPE)], TABLE_DTYPE, src + c); }
    out[t * p.C + c] = v;
  }
}
