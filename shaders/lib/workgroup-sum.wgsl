// Sum of one f32 per invocation over a 256-invocation workgroup, returned to every invocation.
// Call from uniform control flow (it holds barriers); counts up to 2^24 stay exact as f32 sums.

var<workgroup> wgSumScratch: array<f32, 256>;

fn workgroupSum(li: u32, v: f32) -> f32 {
  wgSumScratch[li] = v;
  workgroupBarrier();
  for (var s = 128u; s > 0u; s >>= 1u) {
    if (li < s) { wgSumScratch[li] += wgSumScratch[li + s]; }
    workgroupBarrier();
  }
  let total = wgSumScratch[0];
  // Everyone reads the total before a following call overwrites the scratch.
  workgroupBarrier();
  return total;
}
