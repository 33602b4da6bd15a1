import { describe, expect, it } from 'vitest';
import { loadModel } from '../../src/model/model.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { disposeStep } from '../../src/nn/kv-cache.js';
import { argmaxRef } from '../../src/cpu/sample.js';
import { penaltiesRef } from '../../src/cpu/penalties.js';
import { relError, testDevice } from '../helpers/gpu.js';
import { TINY_QWEN3, writeTinyQwen } from '../helpers/tiny-qwen.js';

const device = await testDevice();
const tiny = await writeTinyQwen({ ...TINY_QWEN3, maxPositionEmbeddings: 64 });
const model = await loadModel(tiny.dir, { device });
const V = tiny.config.vocabSize;

/** Greedy decoding on the CPU side: the last row of model.logits over the whole sequence, penalised by the reference. */
async function greedyReference(prompt: number[], n: number, repetition: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const all = await model.logits([...prompt, ...out]);
    const last = penaltiesRef(all.subarray(all.length - V), V, [{ prompt, output: out }], [{ repetition, presence: 0, frequency: 0 }]);
    out.push(argmaxRef(last, V)[0]!);
  }
  return out;
}

function mostFrequent(ids: number[]): number {
  const counts = new Map<number, number>();
  for (const t of ids) counts.set(t, (counts.get(t) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]![0];
}

describe('generation with a KV cache', () => {
  it('decode logits at each step equal the full-sequence logits at that position', async () => {
    const ids = [3, 77, 150, 9, 42, 200, 11, 5];
    const full = await model.logits(ids);
    const cache = model.net.newCache(1, ids.length);
    for (const [start, end] of [[0, 3], [3, 4], [4, 5], [5, 8]] as const) {
      const step = cache.append([end - start]);
      const block = Tensor.from(device, ids.slice(start, end), [1, end - start], 'i32');
      const hidden = model.net.hidden(block, cache, step);
      const logits = await model.net.lmHead.forward(hidden).read();
      expect(relError(logits, full.subarray(start * V, end * V)), `positions ${start}..${end}`).toBeLessThan(1e-5);
      disposeStep(step);
    }
    cache.dispose();
  });

  it('batched generation of ragged prompts equals one-at-a-time generation', async () => {
    const prompts = [[5, 6, 7, 8, 9, 10, 11], [200], [40, 41, 42]];
    const options = { maxNewTokens: 6, stopTokenIds: [] };
    const batched = await model.generateIds(prompts, options);
    for (const [i, p] of prompts.entries()) expect(batched[i]).toEqual((await model.generateIds([p], options))[0]);
  });

  it('greedy decoding is deterministic', async () => {
    const a = await model.generate('Hello', { maxNewTokens: 8 });
    expect(await model.generate('Hello', { maxNewTokens: 8 })).toBe(a);
  });

  it('sampling with the same seed gives the same text, another seed another', async () => {
    const opts = { maxNewTokens: 12, temperature: 1.5, topK: 50, topP: 0.95, stopTokenIds: [] };
    const a = await model.generateIds([[1, 2, 3]], { ...opts, seed: 7 });
    expect(await model.generateIds([[1, 2, 3]], { ...opts, seed: 7 })).toEqual(a);
    expect(await model.generateIds([[1, 2, 3]], { ...opts, seed: 8 })).not.toEqual(a);
  });

  it('stops at max_new_tokens', async () => {
    const [ids] = await model.generateIds([[1, 2, 3]], { maxNewTokens: 5, stopTokenIds: [] });
    expect(ids).toHaveLength(5);
  });

  it('stops right after the first stop id, which it keeps', async () => {
    const [ids] = await model.generateIds([[1, 2, 3]], { maxNewTokens: 8, stopTokenIds: [] });
    for (const at of [0, 2, 7]) {
      const stop = ids![at]!;
      const [stopped] = await model.generateIds([[1, 2, 3]], { maxNewTokens: 8, stopTokenIds: [stop] });
      expect(stopped, `stop id ${stop} (plain ${ids})`).toEqual(ids!.slice(0, ids!.indexOf(stop) + 1));
    }
  });

  it('cuts the text before a stop string', async () => {
    const text = await model.generate('abc', { maxNewTokens: 10, temperature: 1, seed: 3, stopTokenIds: [] });
    const stop = text.slice(3, 5);
    const cut = await model.generate('abc', { maxNewTokens: 10, temperature: 1, seed: 3, stopTokenIds: [], stop: [stop] });
    expect(cut).toBe(text.slice(0, text.indexOf(stop)));
  });

  it('penalises repetition as HF does: greedy over the full-sequence logits with seen ids penalised', async () => {
    // [9,9,9,9] greedily repeats a token of its own output on this model (seed 3): the penalty must act.
    const prompt = [9, 9, 9, 9];
    const n = 40;
    const plain = (await model.generateIds([prompt], { maxNewTokens: n, stopTokenIds: [] }))[0]!;
    const penalised = (await model.generateIds([prompt], { maxNewTokens: n, stopTokenIds: [], repetitionPenalty: 3 }))[0]!;
    expect(penalised).toEqual(await greedyReference(prompt, n, 3));
    const count = (ids: number[], t: number) => ids.filter((x) => x === t).length;
    const repeated = mostFrequent(plain);
    expect(count(plain, repeated), `plain ${plain}`).toBeGreaterThan(1);
    expect(count(penalised, repeated), `token ${repeated} in penalised ${penalised}`).toBeLessThan(count(plain, repeated));
  });

  it('streams text deltas that add up to the generated text', async () => {
    let streamed = '';
    for await (const delta of model.stream('Hi', { maxNewTokens: 8 })) streamed += delta;
    expect(streamed).toBe(await model.generate('Hi', { maxNewTokens: 8 }));
  });

  it('rejects a prompt longer than the context, naming the limit', async () => {
    await expect(model.generateIds([new Array(64).fill(1)])).rejects.toThrow(/64 tokens.*max_position_embeddings.*64/);
  });

  it('rejects bad options, naming the field', async () => {
    await expect(model.generate('x', { topP: 0 })).rejects.toThrow(/topP/);
  });
});
