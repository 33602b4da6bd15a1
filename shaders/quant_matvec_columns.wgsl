// x: (M,K) f32 with M ≤ 32, w: (N,K) 4-bit with K a multiple of 32, bias: (N) → y: (M,N) f32   (decode, CPU adapters)
// Tiling: each invocation owns COLS output columns (WG apart, so neighbouring invocations read
// neighbouring rows) and walks their rows of codes a vec4 (32 codes, inside one block as BLOCK is
// a multiple of 32, so one scale) at a time, M·COLS sums in registers, each load of x feeding COLS
// columns; assumes rows start on a vec4 (K % 32 == 0), M·COLS ≤ 128, and a chunk's codes start
// at its first row. One barrier (filling a 256-entry table of the byte pairs of the code book in
// workgroup memory) and no reduction: llvmpipe runs a workgroup as one thread. The layout constants
// and nibble order are src/quant/layouts.ts's, as in lib/fourbit.wgsl; bindings match
// shaders/quant_matvec.wgsl so both take the same buffers.
#include "lib/storage.wgsl"

struct Params {
  N: u32, K: u32,            // rows of this weight chunk, weight columns
  ldc: u32, cOffset: u32,    // c[m·ldc + cOffset + n]
}

override BLOCK: u32 = 64u;               // values per scale
override SCALE_DTYPE: u32 = 0u;          // DTYPES shaderCode of the scales
override FIRST_NIBBLE_HIGH: bool = true; // value 2i in the high nibble of byte i
override HAS_BIAS: bool = false;
override BIAS_DTYPE: u32 = 0u;
override M: u32 = 1u;  // rows of x; a constant so the per-row loops unroll
override WG: u32 = 64u;
override COLS: u32 = 1u;  // output columns per invocation, 1..MAX_COLS

const MAX_M = 32u;
const MAX_COLS = 4u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> codes: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read> scales: array<u32>;
@group(0) @binding(4) var<storage, read> table: array<f32, 16>;
@group(0) @binding(5) var<storage, read_write> c: array<f32>;
@group(0) @binding(6) var<storage, read> bias: array<u32>;

// Both values of each byte at once, (value 2i, value 2i+1) of byte i in the layout's nibble order:
// half the lookups and shifts of one code at a time.
var<workgroup> pairs: array<vec2<f32>, 256>;

// Fills pairs from the code book; holds the kernel's one barrier, so call it from uniform control flow.
fn loadPairs(li: u32) {
  for (var b = li; b < 256u; b += WG) {
    let v = vec2<f32>(table[b >> 4u], table[b & 15u]);
    pairs[b] = select(v.yx, v, FIRST_NIBBLE_HIGH);
  }
  workgroupBarrier();
}

fn lo(word: u32) -> vec4<f32> { return vec4<f32>(pairs[word & 255u], pairs[(word >> 8u) & 255u]); }
fn hi(word: u32) -> vec4<f32> { return vec4<f32>(pairs[(word >> 16u) & 255u], pairs[word >> 24u]); }

fn scaleOf(block: u32) -> f32 {
  return decodeFloat(scales[wordOf(block, SCALE_DTYPE)], SCALE_DTYPE, block);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  loadPairs(li);
  let first = (wg.x + wg.y * 65535u) * WG * COLS + li;
  if (first >= p.N) { return; }
  var sums: array<f32, MAX_M * MAX_COLS>;  // sums[col * M + m]
  var rows: array<u32, MAX_COLS>;          // first vec4 of each column's codes (a past-the-end column rereads the last)
  let k4 = p.K / 4u;   // vec4s per row of x
  let q4 = p.K / 32u;  // vec4s of codes per weight row
  for (var col = 0u; col < COLS; col++) { rows[col] = min(first + col * WG, p.N - 1u) * q4; }
  for (var j = 0u; j < q4; j++) {
    var w: array<array<vec4<f32>, 8>, MAX_COLS>;
    var scale: array<f32, MAX_COLS>;
    for (var col = 0u; col < COLS; col++) {
      let q = codes[rows[col] + j];
      w[col] = array<vec4<f32>, 8>(lo(q.x), hi(q.x), lo(q.y), hi(q.y), lo(q.z), hi(q.z), lo(q.w), hi(q.w));
      scale[col] = scaleOf(((rows[col] + j) * 32u) / BLOCK);
    }
    for (var m = 0u; m < M; m++) {
      var x: array<vec4<f32>, 8>;
      for (var i = 0u; i < 8u; i++) { x[i] = a[m * k4 + 8u * j + i]; }
      for (var col = 0u; col < COLS; col++) {
        var d = 0.0;
        for (var i = 0u; i < 8u; i++) { d += dot(x[i], w[col][i]); }
        sums[col * M + m] = fma(d, scale[col], sums[col * M + m]);
      }
    }
  }
  for (var col = 0u; col < COLS; col++) {
    let n = first + col * WG;
    if (n >= p.N) { break; }
    let nc = p.cOffset + n;
    var add = 0.0;
    if (HAS_BIAS) { add = decodeFloat(bias[wordOf(nc, BIAS_DTYPE)], BIAS_DTYPE, nc); }
    for (var m = 0u; m < M; m++) { c[m * p.ldc + nc] = sums[col * M + m] + add; }
  }
}
