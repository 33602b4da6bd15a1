// The sampling half of an engine step: each row's penalties, its own draw on the GPU, and a redraw on
// the CPU for a constrained row whose automaton rejects the sampled token. Only the sampled ids are read
// back, plus the logits when some row asks for logprobs (the raw distribution, before penalties) or a
// constrained row needs its mask.
import { applyPenalties, penaltiesOff } from '../tensor/ops/penalties.js';
import { sampleRows } from '../tensor/ops/sample.js';
import type { Tensor } from '../tensor/tensor.js';
import { drawAllowed } from './logprobs.js';
import type { Sequence } from './sequence.js';

export interface Sampled {
  tokens: number[];
  /** (B,V) logits before penalties, when a row asked for logprobs. */
  raw: Float32Array | null;
}

/** logits: (B,V) f32 of the step's rows, in `group` order (changed in place by penalties). */
export async function sampleStep(group: readonly Sequence[], logits: Tensor): Promise<Sampled> {
  const raw = group.some((s) => s.request.logprobs !== undefined) ? await logits.readFloat() : null;
  const penalties = group.map((s) => s.penalties);
  if (!penaltiesOff(penalties)) applyPenalties(logits, group.map((s, b) => (penaltiesOff([penalties[b]!]) ? { prompt: [], output: [] } : s.seen)), penalties);
  const sampled = sampleRows(logits, group.map((s) => s.rowSampling()));
  const tokens = Array.from((await sampled.read()) as Int32Array);
  sampled.dispose();
  await redrawConstrained(group, tokens, logits);
  return { tokens, raw };
}

/** A constrained row whose sampled token its automaton rejects draws again over the allowed tokens only, with the same u. */
async function redrawConstrained(group: readonly Sequence[], tokens: number[], logits: Tensor): Promise<void> {
  let values: Float32Array | null = null;
  const V = logits.cols;
  for (let b = 0; b < group.length; b++) {
    const c = group[b]!.constraint;
    if (!c || c.allows(tokens[b]!)) continue;
    values ??= await logits.readFloat();
    tokens[b] = drawAllowed(values.subarray(b * V, (b + 1) * V), c.allowedTokens(), group[b]!.rowSampling());
  }
}
