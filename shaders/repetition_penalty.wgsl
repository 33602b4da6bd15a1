// logits: (B,V) f32 in place, seen: (B,L) i32 distinct ids per row, −1 = none → logits of seen ids penalised
// One thread per (row, slot); ids within a row are distinct, so no two threads touch one logit.
// As HF's RepetitionPenaltyLogitsProcessor: a positive logit is divided by the penalty, a negative one multiplied.

struct Params {
  V: u32,
  L: u32,
  count: u32,   // B·L
  penalty: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> seen: array<i32>;
@group(0) @binding(2) var<storage, read_write> logits: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let i = (wg.x + wg.y * 65535u) * 256u + li;
  if (i >= p.count) { return; }
  let id = seen[i];
  if (id < 0 || u32(id) >= p.V) { return; }
  let at = (i / p.L) * p.V + u32(id);
  let x = logits[at];
  logits[at] = select(x / p.penalty, x * p.penalty, x < 0.0);
}
