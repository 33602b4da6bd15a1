// x: (B,T,H,D) f32, positions: (B,T) i32 → y: (B,T,H,D) f32   (HF rotate_half: dim i pairs with i + D/2)
// INVERSE rotates by −angle: the backward, since a rotation's transpose is its inverse.
// One thread per rotated pair (i, i + D/2) of one (token, head) row, 256 per workgroup over x + y·65535;
// the tail is guarded. D even, D/2 ≤ 128. A chunked x is done one dispatch per chunk of (token, head) rows.
// Inference folds its neighbours in, so a decode step spends one dispatch where it spent three: NORM
// rms-norms each row with weight w first (Qwen3's q/k norm; every thread sums its row's D squares
// itself, D ≤ 256, rather than meet at a barrier), and TO_CACHE writes y into a KV cache
// (slots,S,H,D) at position offsets[b] + t of sequence b's slot, as kv_write.wgsl does.
// inv_freq arrives precomputed in f32 (HF's definition, the reference's bits), so the angle f32(pos)·inv_freq
// is one correctly rounded product on every adapter; it is then reduced to [-π, π] before sin/cos, whose
// accuracy GPUs only promise there (position 4000 means angles of 4000 rad). Even there WGSL promises
// only 2^-11 absolute error for the built-in sin/cos, and SwiftShader (Chromium's software WebGPU) is
// that coarse, so both come from polynomials on [-π/4, π/4] after a quadrant split, as libm does.
#include "lib/storage.wgsl"

struct Params {
  pairs: u32,     // (row, i) pairs in this chunk
  rowStart: u32,  // first (token, head) row of this chunk
  T: u32,
  H: u32,
  half: u32,      // D / 2
  offset: u32,    // position of token 0 when no positions are bound
  eps: f32,       // NORM
  S: u32,         // TO_CACHE: the cache's positions per slot
  B: u32,         // TO_CACHE: sequences (the slots' row of offsets with HAS_SLOTS)
  cacheOffset: u32,  // TO_CACHE without HAS_OFFSETS: the cache position of token 0
  _pad0: u32,
  _pad1: u32,
  invFreq: array<vec4<f32>, 32>,  // inv_freq[i] at [i / 4][i % 4]
}

override USE_POSITIONS: bool = false;
override INVERSE: bool = false;
override NORM: bool = false;
override W_DTYPE: u32 = 0u;
override TO_CACHE: bool = false;
override HAS_OFFSETS: bool = false;
override HAS_SLOTS: bool = false;

// 2π split Cody–Waite style: HI and MID have 8 significant bits, so k·HI and k·MID are exact for
// |k| < 2^16 (angles below ~400000 rad) and the two subtractions lose nothing.
const TWO_PI_HI = 6.28125;
const TWO_PI_MID = 0.00193023681640625;
const TWO_PI_LO = 5.070363179981996e-6;
const INV_TWO_PI = 0.15915494309189535;

const HALF_PI_HI = 1.5703125;
const HALF_PI_LO = 4.838267948966e-4;
const TWO_OVER_PI = 0.6366197723675814;

// (sin a, cos a) for |a| ≤ π: a = q·π/2 + t with |t| ≤ π/4, where Taylor terms through t^13 / t^12
// are below f32 rounding.
fn sinCos(a: f32) -> vec2<f32> {
  let q = round(a * TWO_OVER_PI);
  let t = (a - q * HALF_PI_HI) - q * HALF_PI_LO;
  let t2 = t * t;
  let sn = t * (1.0 + t2 * (-1.0 / 6.0 + t2 * (1.0 / 120.0 + t2 * (-1.0 / 5040.0 + t2 * (1.0 / 362880.0 + t2 * (-1.0 / 39916800.0 + t2 * (1.0 / 6227020800.0)))))));
  let cs = 1.0 + t2 * (-0.5 + t2 * (1.0 / 24.0 + t2 * (-1.0 / 720.0 + t2 * (1.0 / 40320.0 + t2 * (-1.0 / 3628800.0 + t2 * (1.0 / 479001600.0))))));
  let quadrant = u32(i32(q) & 3);
  switch quadrant {
    case 0u: { return vec2<f32>(sn, cs); }
    case 1u: { return vec2<f32>(cs, -sn); }
    case 2u: { return vec2<f32>(-sn, -cs); }
    default: { return vec2<f32>(-cs, sn); }
  }
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> positions: array<i32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<storage, read> w: array<u32>;
@group(0) @binding(5) var<storage, read> offsets: array<i32>;

fn reduceAngle(a: f32) -> f32 {
  let k = round(a * INV_TWO_PI);
  return ((a - k * TWO_PI_HI) - k * TWO_PI_MID) - k * TWO_PI_LO;
}

// 1/sqrt(mean(x²) + eps) of the row of D = 2·half floats starting at `at`.
fn rowRstd(at: u32) -> f32 {
  var sum = 0.0;
  for (var c = 0u; c < 2u * p.half; c++) {
    let v = x[at + c];
    sum = fma(v, v, sum);
  }
  return inverseSqrt(sum / f32(2u * p.half) + p.eps);
}

fn normWeight(c: u32) -> f32 {
  return decodeFloat(w[wordOf(c, W_DTYPE)], W_DTYPE, c);
}

// Where row `local` of this chunk lands in y: itself, or its sequence's cache row (-1: outside the cache).
fn outRow(local: u32, bt: u32) -> i32 {
  if (!TO_CACHE) { return i32(local); }
  let b = bt / p.T;
  var pos = i32(p.cacheOffset);
  if (HAS_OFFSETS) { pos = offsets[b]; }
  pos += i32(bt % p.T);
  if (pos < 0 || pos >= i32(p.S)) { return -1; }
  var slot = b;
  if (HAS_SLOTS) { slot = u32(offsets[p.B + b]); }
  return i32((slot * p.S + u32(pos)) * p.H + (p.rowStart + local) % p.H);
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let g = (wg.x + wg.y * 65535u) * 256u + li;
  if (g >= p.pairs) { return; }
  let i = g % p.half;
  let local = g / p.half;
  let bt = (p.rowStart + local) / p.H;
  let row = outRow(local, bt);
  if (row < 0) { return; }
  var pos = i32(p.offset + bt % p.T);
  if (USE_POSITIONS) { pos = positions[bt]; }
  let r = reduceAngle(f32(pos) * p.invFreq[i / 4u][i % 4u]);
  let sc = sinCos(r);
  let c = sc.y;
  let s = select(sc.x, -sc.x, INVERSE);
  let at = local * 2u * p.half + i;
  var x1 = x[at];
  var x2 = x[at + p.half];
  if (NORM) {
    let rstd = rowRstd(at - i);
    x1 = normWeight(i) * (x1 * rstd);
    x2 = normWeight(i + p.half) * (x2 * rstd);
  }
  let out = u32(row) * 2u * p.half + i;
  y[out] = x1 * c - x2 * s;
  y[out + p.half] = x2 * c + x1 * s;
}
