// The batched decode loop: prefill a left-padded block of prompts, then one token per sequence per
// step, sampled on the GPU; only the sampled ids are read back. Sequences stop on their own.
import type { QwenModel } from '../nn/qwen.js';
import { validateIds } from '../tensor/ops/embedding.js';
import { applyPenalties } from '../tensor/ops/penalties.js';
import { sample } from '../tensor/ops/sample.js';
import { embedding } from '../tensor/ops/embedding.js';
import { Tensor } from '../tensor/tensor.js';
import { disposeStep, type KvCache } from './kv-cache.js';
import type { ResolvedGenerateOptions } from './options.js';

export interface TokenEvent {
  /** Index of the prompt this token continues. */
  sequence: number;
  token: number;
}

/** Called after each token; true ends that sequence (stop strings live here). */
export type FinishCheck = (sequence: number, generated: readonly number[]) => boolean;

function leftPadded(prompts: readonly (readonly number[])[], T: number, pad: number): number[] {
  return prompts.flatMap((p) => [...new Array<number>(T - p.length).fill(pad), ...p]);
}

/** hidden: (B·T,C) → the last row of each sequence's block, (B,C). */
function lastRows(hidden: Tensor, B: number, T: number): Tensor {
  if (T === 1) return hidden.reshape(hidden.shape);
  return embedding(hidden, Array.from({ length: B }, (_, b) => b * T + T - 1));
}

function checkPrompts(net: QwenModel, prompts: readonly (readonly number[])[]): void {
  if (prompts.length === 0) throw new RangeError('generate: no prompts');
  const max = net.config.maxPositionEmbeddings;
  prompts.forEach((p, i) => {
    if (p.length === 0) throw new RangeError(`generate: prompt ${i} is empty`);
    if (p.length >= max) throw new RangeError(`generate: prompt ${i} has ${p.length} tokens; the model's context (max_position_embeddings) is ${max}`);
    validateIds(p, net.config.vocabSize, `prompt ${i}`);
  });
}

/** ids: (B,T) appended to the cache → next-token logits after each sequence's block, (B,V). */
function stepLogits(net: QwenModel, ids: Tensor, cache: KvCache, newTokens: readonly number[]): Tensor {
  const inputs = cache.append(newTokens);
  const hidden = net.hidden(ids, cache, inputs);
  const last = lastRows(hidden, cache.batch, inputs.T);
  const logits = net.lmHead.forward(last);
  for (const t of [hidden, last]) t.dispose();
  disposeStep(inputs);
  return logits;
}

/** Next-token logits after each of B prompts, (B,V) row-major, from one left-padded forward (classifiers read these). */
export async function lastLogits(net: QwenModel, prompts: readonly (readonly number[])[]): Promise<Float32Array> {
  checkPrompts(net, prompts);
  const T = Math.max(...prompts.map((p) => p.length));
  const cache = net.newCache(prompts.length, T);
  const ids = Tensor.from(net.device, leftPadded(prompts, T, 0), [prompts.length, T], 'i32');
  try {
    const logits = stepLogits(net, ids, cache, prompts.map((p) => p.length));
    const out = (await logits.read()) as Float32Array;
    logits.dispose();
    return out;
  } finally {
    ids.dispose();
    cache.dispose();
  }
}

/** Logits of the block's last positions → sampled ids (B) i32, left on the GPU. */
function nextTokens(net: QwenModel, ids: Tensor, cache: KvCache, newTokens: number[], seen: number[][], o: ResolvedGenerateOptions, step: number): Tensor {
  const logits = stepLogits(net, ids, cache, newTokens);
  if (o.repetitionPenalty !== 1) applyPenalties(logits, seen.map((prompt) => ({ prompt, output: [] })), seen.map(() => ({ repetition: o.repetitionPenalty, presence: 0, frequency: 0 })));
  const tokens = sample(logits, { temperature: o.temperature, topK: o.topK, topP: o.topP, seed: o.seed, step });
  logits.dispose();
  return tokens;
}

export async function* decodeTokens(
  net: QwenModel,
  prompts: readonly (readonly number[])[],
  o: ResolvedGenerateOptions,
  stopIds: readonly number[],
  isFinished: FinishCheck = () => false,
): AsyncGenerator<TokenEvent> {
  checkPrompts(net, prompts);
  const B = prompts.length;
  const T = Math.max(...prompts.map((p) => p.length));
  const capacity = Math.min(T + o.maxNewTokens, net.config.maxPositionEmbeddings);
  const cache = net.newCache(B, capacity);
  const seen = prompts.map((p) => [...p]);
  const generated = prompts.map((): number[] => []);
  const done = new Array<boolean>(B).fill(false);
  let ids = Tensor.from(net.device, leftPadded(prompts, T, 0), [B, T], 'i32');
  let newTokens = prompts.map((p) => p.length);
  try {
    for (let step = 0; step < capacity - T; step++) {
      const tokens = nextTokens(net, ids, cache, newTokens, seen, o, step);
      ids.dispose();
      ids = tokens.reshape([B, 1]);
      tokens.dispose();
      const values = await ids.read();
      for (let b = 0; b < B; b++) {
        if (done[b]) continue;
        const token = values[b]!;
        generated[b]!.push(token);
        seen[b]!.push(token);
        yield { sequence: b, token };
        done[b] = stopIds.includes(token) || isFinished(b, generated[b]!);
      }
      if (done.every(Boolean)) break;
      newTokens = new Array<number>(B).fill(1);
    }
  } finally {
    ids.dispose();
    cache.dispose();
  }
}
