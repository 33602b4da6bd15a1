// dy, x: (rows,N) f32, w: (N) stored as W_DTYPE, rstd: (rows) f32 → dx: (rows,N) f32
//   dx = r·w·dy − x·r³/N·Σ(w·dy·x), r = rstd saved by the forward   (dWeight: column_sum.wgsl)
// main: one 256-thread workgroup per row (x + y·65535), as the forward: threads stride the row, Σ(w·dy·x) is
// tree-reduced in workgroup memory. rows: one invocation per row, no barriers, as the forward's rows. Any N. A chunked x is done one dispatch per chunk (dy, dx chunked alike).
#include "lib/storage.wgsl"
#include "lib/workgroup-sum.wgsl"

struct Params {
  rows: u32,      // rows in this chunk
  n: u32,
  rowStart: u32,  // first row of this chunk, for rstd
}

override W_DTYPE: u32 = 0u;

const WG = 256u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read> w: array<u32>;
@group(0) @binding(4) var<storage, read> rstd: array<f32>;
@group(0) @binding(5) var<storage, read_write> dx: array<f32>;

fn weight(c: u32) -> f32 {
  return decodeFloat(w[wordOf(c, W_DTYPE)], W_DTYPE, c);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let row = wg.x + wg.y * 65535u;
  // Rows past the end still take part in workgroupSum's barriers; they only skip the memory traffic.
  let live = row < p.rows;
  let base = row * p.n;
  var sum = 0.0;
  if (live) {
    for (var c = li; c < p.n; c += WG) { sum = fma(weight(c) * dy[base + c], x[base + c], sum); }
  }
  let total = workgroupSum(li, sum);
  if (!live) { return; }
  let r = rstd[p.rowStart + row];
  let k = r * r * r * total / f32(p.n);
  for (var c = li; c < p.n; c += WG) {
    dx[base + c] = r * weight(c) * dy[base + c] - k * x[base + c];
  }
}

const ROWS_WG = 64u;

@compute @workgroup_size(ROWS_WG)
fn rows(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let row = (wg.x + wg.y * 65535u) * ROWS_WG + li;
  if (row >= p.rows) { return; }
  let base = row * p.n;
  var sum = 0.0;
  for (var c = 0u; c < p.n; c++) { sum = fma(weight(c) * dy[base + c], x[base + c], sum); }
  let r = rstd[p.rowStart + row];
  let k = r * r * r * sum / f32(p.n);
  for (var c = 0u; c < p.n; c++) {
    dx[base + c] = r * weight(c) * dy[base + c] - k * x[base + c];
  }
}
