// Reference repetition penalty: the oracle for shaders/repetition_penalty.wgsl.

/** logits: (B,V) → a copy with each row's seen ids penalised once, however often they were seen. */
export function repetitionPenaltyRef(logits: Float32Array, V: number, seen: readonly (readonly number[])[], penalty: number): Float32Array {
  const out = Float32Array.from(logits);
  seen.forEach((ids, b) => {
    for (const id of new Set(ids)) {
      const x = out[b * V + id]!;
      out[b * V + id] = x < 0 ? x * penalty : x / penalty;
    }
  });
  return out;
}
