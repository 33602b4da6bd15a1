// x: (B,T,KV,D) f32, offsets: (B) or (2,B) i32 → cache: (B or slots,S,KV,D) f32, cache[slot_b, offset_b + t] = x[b, t]
// One thread per element of x over a grid of 256-thread workgroups; rows that would land outside
// 0..S−1 are dropped. The offset is one uniform for all sequences unless HAS_OFFSETS; with HAS_SLOTS
// the offsets' second row names each sequence's cache slot (slot_b = b without it).

struct Params {
  count: u32,    // elements of x
  T: u32, S: u32,
  rowSize: u32,  // KV·D, floats per cache position
  offset: u32,
  B: u32,
}

override HAS_OFFSETS: bool = false;
override HAS_SLOTS: bool = false;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> offsets: array<i32>;
@group(0) @binding(3) var<storage, read_write> cache: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let i = (wg.x + wg.y * 65535u) * 256u + li;
  if (i >= p.count) { return; }
  let bt = i / p.rowSize;
  let b = bt / p.T;
  var pos = i32(p.offset);
  if (HAS_OFFSETS) { pos = offsets[b]; }
  pos += i32(bt % p.T);
  if (pos < 0 || pos >= i32(p.S)) { return; }
  var slot = b;
  if (HAS_SLOTS) { slot = u32(offsets[p.B + b]); }
  cache[(slot * p.S + u32(pos)) * p.rowSize + i % p.rowSize] = x[i];
}
