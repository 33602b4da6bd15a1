// Reference KV-cache write: the oracle for shaders/kv_write.wgsl.

/** cache: (B,S,KV,D), x: (B,T,KV,D) → a copy of cache with x[b,t] at position offsets[b] + t; rows outside 0..S−1 dropped. */
export function writeKvRef(
  cache: Float32Array,
  x: Float32Array,
  dims: { B: number; T: number; S: number; KV: number; D: number },
  offsets: ArrayLike<number>,
): Float32Array {
  const { B, T, S } = dims;
  const row = dims.KV * dims.D;
  const out = Float32Array.from(cache);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const pos = offsets[b]! + t;
      if (pos >= 0 && pos < S) out.set(x.subarray((b * T + t) * row, (b * T + t + 1) * row), (b * S + pos) * row);
    }
  }
  return out;
}
