// Shared by attention.wgsl and its backward kernels: the uniform block and the causal, ragged mask.
// The includer declares `p: Params` and `kvLengths: array<i32>` (read when HAS_LENGTHS; with HAS_SLOTS its
// second row, kvLengths[B + b], is the cache slot that holds sequence b's keys and values).
// Row t of sequence b sits at position pastLength + t (kvLengths[b] − T + t with HAS_LENGTHS) and sees
// the keys below min(cache length, position + 1).

const WG = 256u;    // threads per workgroup
const BLOCK = 64u;  // keys (or query pairs) per block
const LANES = 4u;   // WG / BLOCK threads per dot product

struct Params {
  B: u32, T: u32, H: u32, KV: u32, D: u32, S: u32,
  pastLength: u32, kvLength: u32,
  scale: f32,
}

override HAS_LENGTHS: bool = false;
override HAS_SLOTS: bool = false;

// Score of a hidden key and lse of a row that sees none: finite, since WGSL may assume no infinities.
const NEG = -3.40282346638528859812e38;  // −f32 max

// Sequence b's cache length and the position of its query 0.
fn seqWindow(b: u32) -> vec2<i32> {
  if (HAS_LENGTHS) {
    let len = kvLengths[b];
    return vec2<i32>(len, len - i32(p.T));
  }
  return vec2<i32>(i32(p.kvLength), i32(p.pastLength));
}

// The cache row block of sequence b: its slot in a slot cache, else b itself.
fn cacheSeq(b: u32) -> u32 {
  if (HAS_SLOTS) { return u32(kvLengths[p.B + b]); }
  return b;
}

// Keys row (b, t) may see: [0, keyLimit).
fn keyLimit(b: u32, t: u32) -> u32 {
  let w = seqWindow(b);
  return u32(clamp(min(w.x, w.y + i32(t) + 1), 0, i32(p.S)));
}

// Queries of sequence b that see key s: [firstQuery, T), empty when s is past the cache length.
fn firstQuery(b: u32, s: u32) -> u32 {
  let w = seqWindow(b);
  if (i32(s) >= w.x) { return p.T; }
  return u32(clamp(i32(s) - w.y, 0, i32(p.T)));
}
