// x: (rows,N) f32, w: (N) stored as W_DTYPE → y: (rows,N) f32, rstd: (rows) f32   (y = w · (x · rsqrt(mean(x²) + eps)))
// main: one 256-thread workgroup per row (x + y·65535): threads stride the row so reads coalesce, Σx² is
// tree-reduced in workgroup memory (lib/workgroup-sum.wgsl), the GPU shape. rows: one invocation per row,
// ROWS_WG rows a workgroup, no barriers, for CPU adapters (llvmpipe runs a workgroup as one thread's loop,
// which barriers split: at Qwen3's 64-wide q/k norms main spent 256 invocations on 64 values). Any N: C
// for hidden states, D for Qwen3's per-head q/k norm. A chunked x is done one dispatch per chunk, rowStart placing its rows in the unchunked rstd.
#include "lib/storage.wgsl"
#include "lib/workgroup-sum.wgsl"

struct Params {
  rows: u32,      // rows in this chunk
  n: u32,
  rowStart: u32,  // first row of this chunk, for rstd
  eps: f32,
}

override W_DTYPE: u32 = 0u;

const WG = 256u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<u32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<storage, read_write> rstd: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let row = wg.x + wg.y * 65535u;
  // Rows past the end still take part in workgroupSum's barriers; they only skip the memory traffic.
  let live = row < p.rows;
  let base = row * p.n;
  var sum = 0.0;
  if (live) {
    for (var c = li; c < p.n; c += WG) {
      let v = x[base + c];
      sum = fma(v, v, sum);
    }
  }
  let total = workgroupSum(li, sum);
  if (!live) { return; }
  let r = inverseSqrt(total / f32(p.n) + p.eps);
  if (li == 0u) { rstd[p.rowStart + row] = r; }
  for (var c = li; c < p.n; c += WG) {
    y[base + c] = decodeFloat(w[wordOf(c, W_DTYPE)], W_DTYPE, c) * (x[base + c] * r);
  }
}

const ROWS_WG = 64u;

@compute @workgroup_size(ROWS_WG)
fn rows(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let row = (wg.x + wg.y * 65535u) * ROWS_WG + li;
  if (row >= p.rows) { return; }
  let base = row * p.n;
  var sum = 0.0;
  for (var c = 0u; c < p.n; c++) {
    let v = x[base + c];
    sum = fma(v, v, sum);
  }
  let r = inverseSqrt(sum / f32(p.n) + p.eps);
  rstd[p.rowStart + row] = r;
  for (var c = 0u; c < p.n; c++) {
    y[base + c] = decodeFloat(w[wordOf(c, W_DTYPE)], W_DTYPE, c) * (x[base + c] * r);
  }
}
