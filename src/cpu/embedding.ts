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

/** Undoes embeddingRef's gather: dTable[v] = Σ_{n: ids[n] = v} dOut[n]; with `rows`, only those table rows, in that order. */
export function embeddingBackwardRef(dOut: Float32Array, C: number, ids: ArrayLike<number>, V: number, rows?: ArrayLike<number>): Float32Array {
  const order = rows ? Array.from(rows) : Array.from({ length: V }, (_, v) => v);
  const grad = new Float64Array(order.length * C);
  order.forEach((row, j) => {
    for (let n = 0; n < ids.length; n++) {
      if (ids[n] !== row) continue;
      for (let c = 0; c < C; c++) grad[j * C + c] += dOut[n * C + c]!;
    }
  });
  return Float32Array.from(grad);
}
