// logits: (N,V) f32, rowParams: (N) RowParams → tokens: (N) i32
// (argmax: ties → lowest index; sample: temperature → top-k → top-p → min-p → draw, each row its own parameters)
// One 256-invocation workgroup per row of a chunk, no sorting and no V-sized scratch. With s = x·invT and
// key(s) its order-preserving u32, the kept set is always {key(s) > cut}: top-k and top-p each find their
// cut by a 32-step bisection over keys (exact), each step a workgroup count or mass sum over the row. The
// draw splits the row into 256 contiguous segments; invocation 0 scans their kept mass for u·Z and the
// owner of that segment walks it in index order. Same rule as src/cpu/sample.ts, so the same u gives the
// same token up to f32 rounding at an interval's edge.
#include "lib/random.wgsl"
#include "lib/workgroup-sum.wgsl"

struct Params {
  rows: u32,         // rows in this chunk of logits
  V: u32,
  rowStart: u32,     // first row of this chunk
}

// One row's sampling; rows of a batch differ (each request its own), so these are per row, not uniform.
struct RowParams {
  invT: f32,         // 1/temperature, rounded to f32 on the CPU as the reference does; 0: greedy
  topK: u32,         // 0 or ≥ V: off
  topP: f32,         // 1: off
  minP: f32,         // 0: off; keeps tokens with p ≥ minP·p_max
  seed: u32,
  counter: u32,      // the row draws uniformAt(seed, counter)
  pad0: u32,
  pad1: u32,
}

const NONE = 0xffffffffu;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read_write> tokens: array<i32>;
@group(0) @binding(3) var<storage, read> rowParams: array<RowParams>;

var<workgroup> rowShared: RowParams;
// This row's parameters for the helpers' arithmetic; control flow reads the uniform copy `r` in sample().
var<private> rp: RowParams;

var<workgroup> bestVal: array<f32, 256>;
var<workgroup> bestIdx: array<u32, 256>;
var<workgroup> segMass: array<f32, 256>;
var<workgroup> pickSeg: u32;
var<workgroup> pickRest: f32;

fn beats(x: f32, i: u32, y: f32, j: u32) -> bool {
  return i != NONE && (j == NONE || x > y || (x == y && i < j));
}

// Index of the row's largest logit, lowest index on ties, on every invocation.
fn rowArgmax(li: u32, base: u32) -> u32 {
  var v = 0.0;
  var idx = NONE;
  for (var k = li; k < p.V; k += 256u) {
    let x = logits[base + k];
    if (beats(x, k, v, idx)) { v = x; idx = k; }
  }
  bestVal[li] = v;
  bestIdx[li] = idx;
  workgroupBarrier();
  for (var half = 128u; half > 0u; half >>= 1u) {
    if (li < half && beats(bestVal[li + half], bestIdx[li + half], bestVal[li], bestIdx[li])) {
      bestVal[li] = bestVal[li + half];
      bestIdx[li] = bestIdx[li + half];
    }
    workgroupBarrier();
  }
  let best = bestIdx[0];
  workgroupBarrier();
  return best;
}

fn orderKey(x: f32) -> u32 {
  let b = bitcast<u32>(x);
  return select(b | 0x80000000u, ~b, b >= 0x80000000u);
}

fn scaled(base: u32, k: u32) -> f32 {
  return logits[base + k] * rp.invT;
}

// Kept tokens' unnormalised probability exp(s − smax), 0 for the rest.
fn weight(base: u32, k: u32, smax: f32, cut: u32) -> f32 {
  let s = scaled(base, k);
  return select(0.0, exp(s - smax), orderKey(s) > cut);
}

fn countAtLeast(li: u32, base: u32, t: u32) -> f32 {
  var c = 0.0;
  for (var k = li; k < p.V; k += 256u) { c += select(0.0, 1.0, orderKey(scaled(base, k)) >= t); }
  return workgroupSum(li, c);
}

fn massAbove(li: u32, base: u32, smax: f32, cut: u32) -> f32 {
  var m = 0.0;
  for (var k = li; k < p.V; k += 256u) { m += weight(base, k, smax, cut); }
  return workgroupSum(li, m);
}

// Top-k: the largest key t with ≥ k tokens at or above it; ties with the k-th value stay, as in HF.
fn topKCut(li: u32, base: u32, smaxKey: u32) -> u32 {
  var lo = 0u;
  var hi = smaxKey + 1u;
  for (var step = 0u; step < 32u; step++) {
    let mid = lo + (hi - lo) / 2u;
    if (countAtLeast(li, base, mid) >= f32(rp.topK)) { lo = mid; } else { hi = mid; }
  }
  return max(lo, 1u) - 1u;
}

// Top-p: a token stays while the kept mass strictly above it is < bar = topP·Z; that mass only falls
// as the key rises, so the kept tokens are those at or above the smallest key t where it drops below.
fn topPCut(li: u32, base: u32, smax: f32, cut: u32, bar: f32) -> u32 {
  var lo = cut;
  var hi = orderKey(smax);
  for (var step = 0u; step < 32u; step++) {
    let mid = lo + (hi - lo) / 2u;
    if (massAbove(li, base, smax, mid) < bar) { hi = mid; } else { lo = mid; }
  }
  return hi - 1u;
}

// The first kept token in index order whose running mass exceeds u·Z.
fn draw(li: u32, base: u32, smax: f32, cut: u32, u: f32) -> u32 {
  let len = (p.V + 255u) / 256u;
  let start = min(li * len, p.V);
  let end = min(start + len, p.V);
  var seg = 0.0;
  for (var k = start; k < end; k++) { seg += weight(base, k, smax, cut); }
  segMass[li] = seg;
  workgroupBarrier();
  if (li == 0u) {
    var total = 0.0;
    for (var j = 0u; j < 256u; j++) { total += segMass[j]; }
    let bar = u * total;
    var acc = 0.0;
    var found = false;
    // Rounding can leave u·Z at or past the end: then the last kept segment (and token) is drawn.
    for (var j = 0u; j < 256u; j++) {
      let m = segMass[j];
      if (!found && m > 0.0) {
        pickSeg = j;
        pickRest = bar - acc;
        found = acc + m > bar;
      }
      acc += m;
    }
  }
  workgroupBarrier();
  var token = NONE;
  if (li == pickSeg) {
    var acc = 0.0;
    for (var k = start; k < end; k++) {
      let w = weight(base, k, smax, cut);
      if (w > 0.0) {
        token = k;
        acc += w;
        if (acc > pickRest) { break; }
      }
    }
  }
  return token;
}

fn rowOf(wg: vec3<u32>) -> u32 {
  return wg.x + wg.y * 65535u;
}

@compute @workgroup_size(256)
fn argmax(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let row = rowOf(wg);
  if (row >= p.rows) { return; }
  let best = rowArgmax(li, row * p.V);
  if (li == 0u) { tokens[p.rowStart + row] = i32(best); }
}

@compute @workgroup_size(256)
fn sample(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let row = rowOf(wg);
  if (row >= p.rows) { return; }
  if (li == 0u) { rowShared = rowParams[p.rowStart + row]; }
  let r = workgroupUniformLoad(&rowShared);
  rp = r;
  let base = row * p.V;
  let best = rowArgmax(li, base);
  if (r.invT == 0.0) {
    if (li == 0u) { tokens[p.rowStart + row] = i32(best); }
    return;
  }
  let smax = scaled(base, best);
  var cut = 0u;
  if (r.topK > 0u && r.topK < p.V) { cut = topKCut(li, base, orderKey(smax)); }
  // Z is summed here, not in topPCut: llvmpipe miscompiled that (invocations past the first 8 saw Z = 0).
  let z = massAbove(li, base, smax, cut);
  if (r.topP < 1.0) { cut = topPCut(li, base, smax, cut, r.topP * z); }
  // p ≥ minP·p_max ⇔ s ≥ smax + ln(minP); the max itself always stays.
  if (r.minP > 0.0) { cut = max(cut, orderKey(smax + log(r.minP)) - 1u); }
  let u = uniformAt(r.seed, r.counter);
  let token = draw(li, base, smax, cut, u);
  if (token != NONE) { tokens[p.rowStart + row] = i32(token); }
}
