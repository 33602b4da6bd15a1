// The decode product: few rows of activations against a weight read once for all of them
// (bindings and the per-lane work in lib/matvec-rows.wgsl).
// rowsOfB: a 256-thread workgroup computes 8 output columns, 32 lanes per column, then a tree
// reduction in workgroup memory. colsOfB: each thread owns one output column and walks K.
#include "lib/matvec-rows.wgsl"
#include "lib/lane-sum.wgsl"

@compute @workgroup_size(256)
fn rowsOfB(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let lane = li % LANES;
  let n = (wg.x + wg.y * 65535u) * COLS + li / LANES;
  var sums: array<f32, MAX_M>;
  if (n < p.N) { sums = dotRow(n, lane); }
  sumLanes(li, sums);
  if (lane == 0u && n < p.N) {
    for (var m = 0u; m < M; m++) { store(m, n, partial[m * 256u + li]); }
  }
}

@compute @workgroup_size(256)
fn colsOfB(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let n = (wg.x + wg.y * 65535u) * 256u + li;
  if (n >= p.N) { return; }
  var sums: array<f32, MAX_M>;
  for (var k = 0u; k < p.K; k++) { accumulate(&sums, k, weight(k * p.N + n)); }
  for (var m = 0u; m < M; m++) { store(m, n, sums[m]); }
}
