// dOut: (N,C) f32, csr: (R+1 offsets, N token positions) u32 → dTable: (R,C) f32
//   dTable[j] = Σ_{k in [offsets[j], offsets[j+1])} dOut[positions[k]]   (the tokens whose id is table row j)
// One 256-thread workgroup per gradient row (x + y·65535), threads striding C; each row adds its tokens
// in the CPU-sorted order, so repeated ids accumulate deterministically without atomics. A row no token
// uses is written as zeros. A chunked gradient is done one dispatch per chunk of rows.

struct Params {
  rows: u32,      // gradient rows in this chunk
  C: u32,
  rowStart: u32,  // first gradient row of this chunk
  positionsAt: u32,  // R + 1: where the positions start in csr
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> dOut: array<f32>;
@group(0) @binding(2) var<storage, read> csr: array<u32>;
@group(0) @binding(3) var<storage, read_write> grad: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let local = wg.x + wg.y * 65535u;
  if (local >= p.rows) { return; }
  let j = p.rowStart + local;
  let start = csr[j];
  let end = csr[j + 1u];
  for (var c = li; c < p.C; c += 256u) {
    var s = 0.0;
    for (var k = start; k < end; k++) { s += dOut[csr[p.positionsAt + k] * p.C + c]; }
    grad[local * p.C + c] = s;
  }
}
