// sample: one token per row of logits, in HF generation's order: temperature, top-k, top-p, draw.
// Row r of decode step `step` draws with u = uniformAt(seed, step·N + r) (src/cpu/random.ts), so a
// run is reproducible and src/cpu/sample.ts gives the same token for the same u.
import { f32Bits } from '../../gpu/recorder.js';
import type { Tensor } from '../tensor.js';
import { argmax, dispatchRows, tokensFor } from './argmax.js';

export interface SampleOptions {
  /** Logits are divided by it; 0 picks the argmax. Default 1. */
  temperature?: number;
  /** Keep the k most probable tokens (all ties with the k-th stay, as in HF); 0 = off (default). */
  topK?: number;
  /** Nucleus: keep the smallest most-probable set whose mass is ≥ topP (at least one token); 1 = off (default). */
  topP?: number;
  /** u32 seed of the draw. Default 0. */
  seed?: number;
  /** Decode step: distinct steps draw independent u for the same seed. Default 0. */
  step?: number;
}

function checked(options: SampleOptions): Required<SampleOptions> {
  const { temperature = 1, topK = 0, topP = 1, seed = 0, step = 0 } = options;
  const fail = (what: string): never => {
    throw new RangeError(`sample: ${what}`);
  };
  if (!(temperature >= 0 && Number.isFinite(temperature))) fail(`temperature must be a finite number ≥ 0, got ${temperature}`);
  if (temperature > 0 && !Number.isFinite(Math.fround(1 / temperature))) fail(`temperature ${temperature} is too small for f32; use 0 for greedy`);
  if (!Number.isSafeInteger(topK) || topK < 0) fail(`topK must be an integer ≥ 0 (0 = off), got ${topK}`);
  if (!(topP > 0 && topP <= 1)) fail(`topP must be in (0, 1] (1 = off), got ${topP}`);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) fail(`seed must be a u32 integer, got ${seed}`);
  if (!Number.isSafeInteger(step) || step < 0) fail(`step must be an integer ≥ 0, got ${step}`);
  return { temperature, topK, topP, seed, step };
}

/** logits: (N,V) or (B,T,V) f32, may be chunked by rows → (N) or (B,T) i32 token ids */
export function sample(logits: Tensor, options: SampleOptions = {}): Tensor {
  const o = checked(options);
  if (o.temperature === 0) return argmax(logits);
  const tokens = tokensFor('sample', logits);
  const invT = Math.fround(1 / o.temperature);
  const counterBase = Math.imul(o.step, logits.rows) >>> 0;
  const topK = Math.min(o.topK, logits.cols);
  dispatchRows(logits, tokens, 'sample', [f32Bits(invT), topK, f32Bits(o.topP), o.seed, counterBase]);
  return tokens;
}
