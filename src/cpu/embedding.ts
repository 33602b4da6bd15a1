// Reference embedding gather: the oracle for shaders/embedding.wgsl.

/** table: (V,C), ids: (N) → (N,C); an id outside [0,V) gives a row of zeros, as the kernel writes. */
export function embeddingRef(table: Float32Array, C: number, ids: ArrayLike<number>): Float32Array {
  const V = table.length / C;
  const out = new Float32Array(ids.length * C);
  for (let n = 0; n < ids.length; n++) {
    const id = ids[n]!;
    if (id >= 0 && id < V) out.set(table.subarray(id * C, (id + 1) * C), n * C);
  }
  return out;
}
