// logits: (N,V) f32, labels: (N) i32 → losses: (N) f32, lse: (N) f32         (main)
// losses: (N) f32, labels: (N) i32 → mean: (1) f32 over labels in [0,V)       (mean)
// main: one 256-invocation workgroup per row of a chunk; each invocation streams its stride of V with an
// online max/sum and a tree merges the (max, sum) pairs, so any V works without V-sized scratch. A label
// outside [0,V) (−100 is ignore_index) scores 0; the causal shift is the caller's job.
// mean: a single workgroup over all N; no counted label stores NaN bits (torch's all-ignored mean), since
// WGSL does not promise that 0.0/0.0 makes a NaN.
#include "lib/workgroup-sum.wgsl"

struct Params {
  rows: u32,      // main: rows in this chunk of logits; mean: N
  V: u32,
  rowStart: u32,  // main: first row of this chunk
}

// An f32 no logit exceeds downward, so exp(lowest − x) is 0 rather than NaN from (−inf) − (−inf).
const LOWEST = -3.4028234663852886e38;
const NAN_BITS = 0x7fc00000u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> labels: array<i32>;
// main reads logits from binding 2 and writes 3, 4; mean reads losses from 2 and writes the mean to 3.
@group(0) @binding(2) var<storage, read> values: array<f32>;
@group(0) @binding(3) var<storage, read_write> losses: array<f32>;
@group(0) @binding(4) var<storage, read_write> lse: array<f32>;

var<workgroup> wgMax: array<f32, 256>;
var<workgroup> wgSum: array<f32, 256>;

fn counted(label: i32) -> bool {
  return label >= 0 && u32(label) < p.V;
}

// Log-sum-exp of row `base`, on every invocation.
fn rowLogSumExp(li: u32, base: u32) -> f32 {
  var m = LOWEST;
  var s = 0.0;
  for (var k = li; k < p.V; k += 256u) {
    let x = values[base + k];
    if (x > m) {
      s = s * exp(m - x) + 1.0;
      m = x;
    } else {
      s += exp(x - m);
    }
  }
  wgMax[li] = m;
  wgSum[li] = s;
  workgroupBarrier();
  for (var half = 128u; half > 0u; half >>= 1u) {
    if (li < half) {
      let ma = wgMax[li];
      let mb = wgMax[li + half];
      let mm = max(ma, mb);
      wgSum[li] = wgSum[li] * exp(ma - mm) + wgSum[li + half] * exp(mb - mm);
      wgMax[li] = mm;
    }
    workgroupBarrier();
  }
  return wgMax[0] + log(wgSum[0]);
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let row = wg.x + wg.y * 65535u;
  // Uniform per workgroup, so returning before the barriers is allowed.
  if (row >= p.rows) { return; }
  let base = row * p.V;
  let rowLse = rowLogSumExp(li, base);
  if (li == 0u) {
    let at = p.rowStart + row;
    let label = labels[at];
    let ok = counted(label);
    lse[at] = rowLse;
    losses[at] = select(0.0, rowLse - values[base + select(0u, u32(label), ok)], ok);
  }
}

@compute @workgroup_size(256)
fn mean(@builtin(local_invocation_index) li: u32) {
  var sum = 0.0;
  var count = 0.0;
  for (var i = li; i < p.rows; i += 256u) {
    if (counted(labels[i])) {
      sum += values[i];
      count += 1.0;
    }
  }
  let total = workgroupSum(li, sum);
  let n = workgroupSum(li, count);
  if (li == 0u) {
    losses[0] = bitcast<f32>(select(NAN_BITS, bitcast<u32>(total / n), n > 0.0));
  }
}
