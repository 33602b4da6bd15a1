// The decode products' reduction: each output's LANES partial sums, for M rows, summed in
// workgroup memory. The including shader defines M, LANES (a power of two ≤ 256) and MAX_M.

var<workgroup> partial: array<f32, 256 * MAX_M>;  // partial[m * 256 + thread]

// Afterwards the lane-0 thread of each output finds row m's total in partial[m * 256 + li].
// Holds barriers: call from uniform control flow.
fn sumLanes(li: u32, sums: array<f32, MAX_M>) {
  let lane = li % LANES;
  for (var m = 0u; m < M; m++) { partial[m * 256u + li] = sums[m]; }
  workgroupBarrier();
  for (var s = LANES / 2u; s > 0u; s >>= 1u) {
    if (lane < s) {
      for (var m = 0u; m < M; m++) { partial[m * 256u + li] += partial[m * 256u + li + s]; }
    }
    workgroupBarrier();
  }
}
