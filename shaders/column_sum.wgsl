// dy: (R,N) f32, x: (R,N) f32 if HAS_X, rowScale: (R) f32 if HAS_SCALE → out: (⌈R/ROWS⌉,N) f32 partial sums
//   out[g, n] = Σ_{r in row group g} dy[r,n] · x[r,n] · rowScale[r]   (dBias, RMSNorm's dWeight, a broadcast mul's db)
// A 256-thread workgroup owns 64 columns × one group of ROWS rows: 4 lanes per column stride the rows
// (coalesced across columns), then the 4 lanes are added in a fixed order, so sums are deterministic
// without float atomics. The op re-runs this on the partials until one row remains. Any R, N.

struct Params {
  rows: u32,      // rows of this dispatch's dy
  cols: u32,
  scaleRow: u32,  // rowScale element of row 0
  outRow: u32,    // out row of this dispatch's first row group
}

override HAS_X: bool = false;
override HAS_SCALE: bool = false;
override ROWS: u32 = 256u;

const COLS = 64u;
const LANES = 4u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read> rowScale: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;

var<workgroup> lanes: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let col = wg.x * COLS + li % COLS;
  let lane = li / COLS;
  let r1 = min(p.rows, (wg.y + 1u) * ROWS);
  var s = 0.0;
  if (col < p.cols) {
    for (var r = wg.y * ROWS + lane; r < r1; r += LANES) {
      var v = dy[r * p.cols + col];
      if (HAS_X) { v *= x[r * p.cols + col]; }
      if (HAS_SCALE) { v *= rowScale[p.scaleRow + r]; }
      s += v;
    }
  }
  lanes[li] = s;
  workgroupBarrier();
  if (li < COLS && col < p.cols) {
    out[(p.outRow + wg.y) * p.cols + col] = (lanes[li] + lanes[li + COLS]) + (lanes[li + 2u * COLS] + lanes[li + 3u * COLS]);
  }
}
