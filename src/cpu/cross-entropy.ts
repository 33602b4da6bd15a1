// Reference cross-entropy in f64: the oracle for shaders/cross_entropy.wgsl. Row i is scored against
// labels[i] (no causal shift); a label outside [0,V) (−100 = ignore_index) scores 0 and is not counted.

function counted(label: number, V: number): boolean {
  return Number.isInteger(label) && label >= 0 && label < V;
}

/** logits: (N,V), labels: (N) → losses: (N), lse: (N) */
export function crossEntropyRef(logits: Float32Array, labels: ArrayLike<number>, V: number): { losses: Float32Array; lse: Float32Array } {
  const N = labels.length;
  const losses = new Float32Array(N);
  const lse = new Float32Array(N);
  for (let r = 0; r < N; r++) {
    const row = logits.subarray(r * V, (r + 1) * V);
    let max = -Infinity;
    for (const x of row) max = Math.max(max, x);
    let sum = 0;
    for (const x of row) sum += Math.exp(x - max);
    const l = max + Math.log(sum);
    lse[r] = l;
    const label = labels[r]!;
    losses[r] = counted(label, V) ? l - row[label]! : 0;
  }
  return { losses, lse };
}

/** losses: (N), labels: (N) → Σ losses / #counted labels; NaN when none counts (torch's all-ignored mean). */
export function meanLossRef(losses: ArrayLike<number>, labels: ArrayLike<number>, V: number): number {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < labels.length; i++) {
    if (!counted(labels[i]!, V)) continue;
    sum += losses[i]!;
    count++;
  }
  return count === 0 ? NaN : sum / count;
}

/** Undoes `losses[r] = lse − row[label]` for a loss Σ_r scale·losses[r]: (softmax(row) − onehot(label))·scale, zero rows when not counted. */
export function crossEntropyBackwardRef(logits: Float32Array, labels: ArrayLike<number>, V: number, scale: number): Float32Array {
  const { lse } = crossEntropyRef(logits, labels, V);
  const grad = new Float32Array(logits.length);
  for (let r = 0; r < labels.length; r++) {
    const label = labels[r]!;
    if (!counted(label, V)) continue;
    for (let v = 0; v < V; v++) grad[r * V + v] = (Math.exp(logits[r * V + v]! - lse[r]!) - (v === label ? 1 : 0)) * scale;
  }
  return grad;
}
