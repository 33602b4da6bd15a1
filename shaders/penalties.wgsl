// logits: (B,V) f32 in place, entries: (B,L) (id i32, outCount i32) distinct ids per row (id −1 = none),
// rowParams: (B) (repetition, presence, frequency, unused) f32 → each row's listed logits penalised.
// One thread per (row, entry); ids within a row are distinct, so no two threads touch one logit.
// Repetition as HF's RepetitionPenaltyLogitsProcessor over prompt and output (a positive logit divided,
// a negative one multiplied); then OpenAI's presence and frequency penalties over the output only:
// x − presence·[count > 0] − frequency·count.

struct Params {
  V: u32,
  L: u32,
  count: u32,   // B·L
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> entries: array<vec2<i32>>;
@group(0) @binding(2) var<storage, read> rowParams: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> logits: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let i = (wg.x + wg.y * 65535u) * 256u + li;
  if (i >= p.count) { return; }
  let e = entries[i];
  if (e.x < 0 || u32(e.x) >= p.V) { return; }
  let row = i / p.L;
  let r = rowParams[row];
  let at = row * p.V + u32(e.x);
  var x = logits[at];
  x = select(x / r.x, x * r.x, x < 0.0);
  let count = f32(e.y);
  logits[at] = x - r.y * select(0.0, 1.0, e.y > 0) - r.z * count;
}
