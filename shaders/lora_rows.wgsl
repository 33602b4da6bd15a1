// Batched LoRA with a different adapter per row (S-LoRA/Punica's BGMV): adapters stacked along a
// leading dim, each row of the batch naming its own (−1: none), so rows with different adapters share
// one dispatch. Ranks are padded to R with zeros. One thread per output element, a plain dot product:
// R and the row count of a decode step are small, so there is nothing to tile.
//   shrink: x: (N,inF) f32, A: (nA,R,inF) f32, rows: (N) i32 → h: (N,R) f32, h[n] = A[rows[n]]·x[n]
//   expand: h: (N,R) f32, B: (nA,outF,R) f32, rows: (N) i32, scales: (nA) f32 → y: (N,outF) += scale·B[rows[n]]·h[n]

struct Params {
  N: u32,
  inF: u32,
  outF: u32,
  R: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read> stack: array<f32>;
@group(0) @binding(3) var<storage, read> rows: array<i32>;
@group(0) @binding(4) var<storage, read_write> h: array<f32>;
@group(0) @binding(4) var<storage, read> scales: array<f32>;
@group(0) @binding(5) var<storage, read_write> y: array<f32>;

fn index(wg: vec3<u32>, li: u32) -> u32 {
  return (wg.x + wg.y * 65535u) * 256u + li;
}

@compute @workgroup_size(256)
fn shrink(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let i = index(wg, li);
  if (i >= p.N * p.R) { return; }
  let n = i / p.R;
  let a = rows[n];
  var sum = 0.0;
  if (a >= 0) {
    let w = (u32(a) * p.R + i % p.R) * p.inF;
    for (var k = 0u; k < p.inF; k++) { sum = fma(stack[w + k], input[n * p.inF + k], sum); }
  }
  h[i] = sum;
}

@compute @workgroup_size(256)
fn expand(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let i = index(wg, li);
  if (i >= p.N * p.outF) { return; }
  let n = i / p.outF;
  let a = rows[n];
  if (a < 0) { return; }
  let w = (u32(a) * p.outF + i % p.outF) * p.R;
  var sum = 0.0;
  for (var j = 0u; j < p.R; j++) { sum = fma(stack[w + j], input[n * p.R + j], sum); }
  y[i] += scales[a] * sum;
}
