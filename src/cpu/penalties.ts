// Reference logit penalties: the oracle for shaders/penalties.wgsl.

/** One row's penalties: HF's repetition penalty (1 = off), OpenAI's presence and frequency penalties (0 = off). */
export interface PenaltyParams {
  repetition: number;
  presence: number;
  frequency: number;
}

/** What a row has seen: the prompt's ids and the generated ids (presence and frequency count only these). */
export interface SeenTokens {
  prompt: readonly number[];
  output: readonly number[];
}

/** Each seen id once with its count in the output. */
export function seenCounts(seen: SeenTokens): Map<number, number> {
  const counts = new Map<number, number>();
  for (const id of seen.prompt) counts.set(id, 0);
  for (const id of seen.output) counts.set(id, (counts.get(id) ?? 0) + 1);
  return counts;
}

/** logits: (B,V) → a copy with each row's seen ids penalised once: repetition, then presence and frequency. */
export function penaltiesRef(logits: Float32Array, V: number, seen: readonly SeenTokens[], params: readonly PenaltyParams[]): Float32Array {
  const out = Float32Array.from(logits);
  seen.forEach((s, b) => {
    const { repetition, presence, frequency } = params[b]!;
    for (const [id, count] of seenCounts(s)) {
      const x = out[b * V + id]!;
      const r = Math.fround(x < 0 ? x * repetition : x / repetition);
      out[b * V + id] = r - presence * (count > 0 ? 1 : 0) - frequency * count;
    }
  });
  return out;
}
