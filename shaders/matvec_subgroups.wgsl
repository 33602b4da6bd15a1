// The decode product of shaders/matvec.wgsl rowsOfB (b: (N,K), 8 output columns per 256-thread
// workgroup, 32 lanes each; lib/matvec-rows.wgsl) with the lanes' sums reduced by subgroup
// shuffles instead of five barrier-separated steps in workgroup memory. For devices with the
// `subgroups` feature (src/gpu/adapter-kind.ts picks it on GPUs).
// Subgroups are taken to hold consecutive local invocation indices (so subgroup_invocation_id is
// li % subgroup_size), as Vulkan, Metal and D3D12 lay out a one-dimensional workgroup; a
// subgroup (4 to 128 lanes) then lies within a column's 32 lanes or holds whole columns.
enable subgroups;

#include "lib/matvec-rows.wgsl"

var<workgroup> partial: array<f32, 256 * MAX_M>;  // partial[m * 256 + thread]

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32, @builtin(subgroup_size) sgSize: u32) {
  let lane = li % LANES;
  let n = (wg.x + wg.y * 65535u) * COLS + li / LANES;
  var sums: array<f32, MAX_M>;
  if (n < p.N) { sums = dotRow(n, lane); }
  // A butterfly over the `width` lanes of this column that share a subgroup: each ends with their total.
  let width = min(sgSize, LANES);
  for (var s = width / 2u; s > 0u; s >>= 1u) {
    for (var m = 0u; m < M; m++) { sums[m] += subgroupShuffleXor(sums[m], s); }
  }
  // Subgroups narrower than a column (SwiftShader's 4, Intel's 8 or 16) meet in workgroup memory.
  if (lane % width == 0u) {
    for (var m = 0u; m < M; m++) { partial[m * 256u + li] = sums[m]; }
  }
  workgroupBarrier();
  if (lane == 0u && n < p.N) {
    for (var m = 0u; m < M; m++) {
      var total = 0.0;
      for (var j = 0u; j < LANES; j += width) { total += partial[m * 256u + li + j]; }
      store(m, n, total);
    }
  }
}
