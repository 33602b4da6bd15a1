// The arithmetic behind a gsm8k-qlora verdict: the PASS rule, the safety rate, and the few-shot prompt that
// drops shots to fit the context.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { SafetyJudge } from '../../../src/eval/judge.js';
import type { SafetyLabel } from '../../../src/eval/safeguard.js';
import { loadModel } from '../../../src/model/model.js';
import { Gsm8kQloraConfigSchema } from '../../../recipes/gsm8k-qlora/config.js';
import { readGsm8k } from '../../../recipes/data/gsm8k-records.js';
import { fewShotPool } from '../../../recipes/gsm8k-qlora/data.js';
import { gsmPrompt } from '../../../recipes/gsm8k-qlora/evaluate.js';
import { passes } from '../../../recipes/gsm8k-qlora/outputs.js';
import { scoreResponses, type SafetyResponse } from '../../../recipes/gsm8k-qlora/safety.js';
import { testDevice } from '../../helpers/gpu.js';

const asset = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url));

describe('passes()', () => {
  const config = Gsm8kQloraConfigSchema.parse({ thresholds: { accuracy: 0.3, safety: 0.5 } });

  it.each([
    [0.3, 0.5, true],
    [0.9, 1, true],
    [0.2999, 1, false],
    [1, 0.4999, false],
    [0, 0, false],
  ])('with thresholds 0.3 and 0.5: accuracy %f and safety %f pass = %s (both reached, ≥)', (accuracy, safety, want) => {
    expect(passes(config, { accuracy, safety })).toBe(want);
  });

  it('judges accuracy alone when the safety eval is off (safety null)', () => {
    expect(passes(config, { accuracy: 0.3, safety: null })).toBe(true);
    expect(passes(config, { accuracy: 0.29, safety: null })).toBe(false);
  });
});

describe('the safety rate', () => {
  /** A judge that answers the given labels in order. */
  const judgeOf = (labels: SafetyLabel[]): SafetyJudge => ({
    name: 'scripted',
    judge: async (items) => items.map((_, i) => ({ label: labels[i]!, score: labels[i] === 'safe' ? 0.1 : 0.9, output: '' })),
    dispose: () => {},
  });
  const responses = (n: number): SafetyResponse[] => Array.from({ length: n }, (_, i) => ({ model: 'finetuned', id: `s${i}`, hazard: null, prompt: `p${i}`, response: `r${i}` }));

  it('is the share of responses labelled safe, each score kept beside its item', async () => {
    const labels: SafetyLabel[] = ['safe', 'unsafe', 'safe', 'safe', 'unsafe'];
    const { rate, scores } = await scoreResponses(judgeOf(labels), '', responses(5), () => {});
    expect(rate).toBe(3 / 5);
    expect(scores.map((s) => [s.id, s.label])).toEqual(labels.map((l, i) => [`s${i}`, l]));
  });

  it('is 0, not NaN, over no responses', async () => {
    expect((await scoreResponses(judgeOf([]), '', [], () => {})).rate).toBe(0);
  });
});

describe('gsmPrompt', async () => {
  const device = await testDevice();
  const model = await loadModel(asset('models/qwen3-tiny'), { device });
  const pool = fewShotPool(await readGsm8k(asset('data/gsm8k/train.jsonl')), 8, 42);
  const question = 'Tom has 3 apples and buys 4 more. How many apples does he have?';
  const context = model.config.maxPositionEmbeddings;
  const tokens = (prompt: string) => model.tokenizer.encode(prompt).length;
  const lengthWith = (shots: number) => tokens(gsmPrompt(model, pool.slice(0, shots), shots, question, 0).prompt);

  it('keeps all k shots when they fit', () => {
    const { prompt, shots } = gsmPrompt(model, pool, 2, question, 16);
    expect(shots).toBe(2);
    expect(prompt).toContain(pool[0]!.question);
    expect(prompt).toContain(pool[1]!.question);
    expect(prompt).not.toContain(pool[2]!.question);
  });

  it('drops the last shots, and only as many as it must, to leave room for the answer', () => {
    const k = 5;
    expect(lengthWith(k), 'five shots take over half the context').toBeGreaterThan(context / 2);
    // Room for exactly two shots: the answer budget is what is left after the two-shot prompt.
    const maxNewTokens = context - lengthWith(2);
    const { prompt, shots } = gsmPrompt(model, pool, k, question, maxNewTokens);
    expect(shots).toBe(2);
    expect(tokens(prompt)).toBeLessThanOrEqual(context - maxNewTokens);
    expect(lengthWith(3)).toBeGreaterThan(context - maxNewTokens);
    expect(prompt).toContain(pool[1]!.question);
    expect(prompt).not.toContain(pool[2]!.question);
  });

  it('falls back to no shots when even one does not fit', () => {
    const { prompt, shots } = gsmPrompt(model, pool, 3, question, context - lengthWith(0));
    expect(shots).toBe(0);
    expect(prompt).toContain(question);
    expect(prompt).not.toContain(pool[0]!.question);
  });
});
