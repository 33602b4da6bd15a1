// Reference sampling, the plain way: sort for top-k and top-p, then walk the kept tokens in index order
// with the same u as the GPU (uniformAt from random.ts), so both pick the same token.
import { uniformAt } from './random.js';

export interface SamplingParams {
  /** > 0; greedy decoding is argmaxRef. */
  temperature: number;
  /** 0 or ≥ V: off. */
  topK: number;
  /** 1: off. */
  topP: number;
  /** 0 (default): off; keeps tokens with p ≥ minP·p_max, after top-p as in HF. */
  minP?: number;
}

/** logits: (N,V) → (N), ties → lowest index */
export function argmaxRef(logits: Float32Array, V: number): Int32Array {
  const out = new Int32Array(logits.length / V);
  for (let r = 0; r < out.length; r++) {
    let best = 0;
    for (let k = 1; k < V; k++) if (logits[r * V + k]! > logits[r * V + best]!) best = k;
    out[r] = best;
  }
  return out;
}

/** Each of `order` (indices sorted by s, descending) with the run of equal s it belongs to. */
function tieGroups(order: number[], s: Float32Array): number[][] {
  const groups: number[][] = [];
  for (const i of order) {
    const last = groups[groups.length - 1];
    if (last && s[last[0]!] === s[i]) last.push(i);
    else groups.push([i]);
  }
  return groups;
}

/**
 * One row → exp(s − max s) for kept tokens, 0 for removed ones, with s = x · fround(1/T) in f32 as on the GPU.
 * Top-k keeps every token ≥ the k-th largest s; top-p then keeps a token while the kept mass strictly
 * above it is < topP · (kept mass), i.e. the smallest head with mass ≥ topP, ties kept together; min-p
 * last drops tokens below minP × the largest probability.
 */
export function keptWeights(row: Float32Array, params: SamplingParams): Float64Array {
  const invT = Math.fround(1 / params.temperature);
  const s = row.map((x) => Math.fround(x * invT));
  const order = [...s.keys()].sort((a, b) => s[b]! - s[a]!);
  const smax = s[order[0]!]!;
  const kth = params.topK > 0 && params.topK < s.length ? s[order[params.topK - 1]!]! : -Infinity;
  const w = new Float64Array(s.length);
  for (let i = 0; i < s.length; i++) w[i] = s[i]! >= kth ? Math.exp(s[i]! - smax) : 0;
  if (params.topP < 1) {
    const target = params.topP * w.reduce((a, b) => a + b, 0);
    let above = 0;
    for (const group of tieGroups(order, s)) {
      const mass = group.reduce((a, i) => a + w[i]!, 0);
      if (above >= target) for (const i of group) w[i] = 0;
      above += mass;
    }
  }
  if (params.minP) {
    // p ≥ minP·p_max ⇔ s ≥ smax + ln(minP), in f32 as the GPU compares it.
    const floor = Math.fround(smax + Math.fround(Math.log(params.minP)));
    for (let i = 0; i < s.length; i++) if (s[i]! < floor) w[i] = 0;
  }
  return w;
}

/** The first token in index order whose running kept mass exceeds u·Z (the last kept one if none does). */
export function drawIndex(weights: Float64Array, u: number): number {
  const target = u * weights.reduce((a, b) => a + b, 0);
  let acc = 0;
  let last = -1;
  for (let i = 0; i < weights.length; i++) {
    if (weights[i]! <= 0) continue;
    last = i;
    acc += weights[i]!;
    if (acc > target) return i;
  }
  return last;
}

/** The u row `row` of an N-row call at decode step `step` draws (counter wraps mod 2^32, as on the GPU). */
export function drawUniform(seed: number, step: number, N: number, row: number): number {
  return uniformAt(seed, (Math.imul(step, N) + row) >>> 0);
}

/** logits: (N,V) → (N) token ids */
export function sampleRef(logits: Float32Array, V: number, params: SamplingParams & { seed: number; step: number }): Int32Array {
  const N = logits.length / V;
  const out = new Int32Array(N);
  for (let r = 0; r < N; r++) {
    const w = keptWeights(logits.subarray(r * V, (r + 1) * V), params);
    out[r] = drawIndex(w, drawUniform(params.seed, params.step, N, r));
  }
  return out;
}
