// Log-probabilities of a row of raw logits (OpenAI's logprobs), and the constrained redraw: both on the
// CPU, for the rows that ask, from logits read back only when some row needs them.
import { argmaxRef, drawIndex, keptWeights } from '../cpu/sample.js';
import { uniformAt } from '../cpu/random.js';
import type { RowSampling } from '../tensor/ops/sample.js';
import type { TokenLogprob } from './sequence.js';

/** log softmax(row)[token] and the `n` most likely tokens, best first (ties: lower id first). */
export function rowLogprobs(row: Float32Array, token: number, n: number): { logprob: number; top: TokenLogprob[] } {
  let max = -Infinity;
  for (const x of row) if (x > max) max = x;
  let sum = 0;
  for (const x of row) sum += Math.exp(x - max);
  const lse = max + Math.log(sum);
  const top: TokenLogprob[] = [];
  if (n > 0) {
    const order = [...row.keys()].sort((a, b) => row[b]! - row[a]! || a - b).slice(0, n);
    for (const id of order) top.push({ token: id, logprob: row[id]! - lse });
  }
  return { logprob: row[token]! - lse, top };
}

/** The token `o` draws from `row` restricted to `allowed` (1 = allowed): the same u as the GPU's draw. */
export function drawAllowed(row: Float32Array, allowed: Uint8Array, o: RowSampling): number {
  const masked = row.map((x, i) => (allowed[i] ? x : -Infinity));
  if (o.temperature === 0) return argmaxRef(masked, masked.length)[0]!;
  return drawIndex(keptWeights(masked, o), uniformAt(o.seed, o.counter));
}
