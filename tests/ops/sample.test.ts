import { describe, expect, it } from 'vitest';
import { argmax } from '../../src/tensor/ops/argmax.js';
import { sample, type SampleOptions } from '../../src/tensor/ops/sample.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { argmaxRef } from '../../src/cpu/sample.js';
import { uniformAt } from '../../src/cpu/random.js';
import { ShapeMismatchError } from '../../src/errors.js';
import { freshRng, testDevice } from '../helpers/gpu.js';
import { chiSquare, countsOf } from '../helpers/stats.js';
import { checkSampling, readTokens } from '../helpers/row-checks.js';

const device = await testDevice();

describe('argmax', () => {
  it.each([
    [1, 1],
    [5, 7],
    [9, 129],
    [33, 1000],
  ])('matches the reference at N=%i, V=%i', async (N, V) => {
    const { rng, seed } = freshRng();
    const x = rng.normals(N * V);
    expect(await readTokens(argmax(Tensor.from(device, x, [N, V]))), `seed ${seed}`).toEqual(argmaxRef(x, V));
  });

  it('breaks ties toward the lowest index, as torch.argmax', async () => {
    const V = 1000;
    const x = new Float32Array(3 * V);
    for (const k of [700, 3, 500]) x[k] = 5;
    for (const k of [999, 257, 256]) x[V + k] = 5;
    for (const k of [1, 0]) x[2 * V + k] = -1;
    x.fill(-2, 2 * V + 2, 3 * V);
    expect([...(await readTokens(argmax(Tensor.from(device, x, [3, V]))))]).toEqual([3, 256, 0]);
  });
});

describe('sample', () => {
  it('is argmax at temperature 0', async () => {
    const { rng, seed } = freshRng();
    const x = rng.normals(17 * 129);
    const got = await readTokens(sample(Tensor.from(device, x, [17, 129]), { temperature: 0, seed: 5 }));
    expect(got, `seed ${seed}`).toEqual(argmaxRef(x, 129));
  });

  it.each([
    ['topK = 1', { topK: 1 }],
    ['a tiny topP', { topP: 1e-6 }],
  ] as const)('is argmax with %s', async (_, opts: SampleOptions) => {
    const { rng, seed } = freshRng();
    const x = rng.normals(19 * 1000);
    const got = await readTokens(sample(Tensor.from(device, x, [19, 1000]), { ...opts, temperature: 2, seed }));
    expect(got, `seed ${seed}`).toEqual(argmaxRef(x, 1000));
  });

  it('gives the same tokens for the same seed and step, and different ones for another seed', async () => {
    const logits = Tensor.from(device, new Float32Array(64 * 50), [64, 50]);
    const a = await readTokens(sample(logits, { seed: 1, step: 4 }));
    const b = await readTokens(sample(logits, { seed: 1, step: 4 }));
    const c = await readTokens(sample(logits, { seed: 2, step: 4 }));
    const d = await readTokens(sample(logits, { seed: 1, step: 5 }));
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    expect(d).not.toEqual(a);
  });

  it('draws the same u as uniformAt: a flat row of 65536 tokens picks floor(u·65536)', async () => {
    const N = 8;
    const V = 65536;
    const seed = freshRng().seed;
    const got = await readTokens(sample(Tensor.from(device, new Float32Array(N * V), [N, V]), { seed, step: 3 }));
    const want = Int32Array.from({ length: N }, (_, r) => Math.floor(uniformAt(seed, 3 * N + r) * V));
    expect(got, `seed ${seed}`).toEqual(want);
  });

  it('matches the reference for the same u over many rows and random temperature, topK, topP', async () => {
    const { rng } = freshRng();
    for (let i = 0; i < 30; i++) {
      const V = [7, 129, 1000][i % 3]!;
      const params = {
        temperature: 0.3 + rng.next() * 1.5,
        topK: rng.next() < 0.3 ? 0 : 1 + rng.int(Math.min(V, 60)),
        topP: rng.next() < 0.3 ? 1 : 0.2 + rng.next() * 0.79,
      };
      await checkSampling(device, 16, V, params);
    }
  });

  it('matches the reference over a 151936-token vocabulary', async () => {
    await checkSampling(device, 2, 151936, { temperature: 0.7, topK: 0, topP: 0.9 }, 4);
    await checkSampling(device, 1, 151936, { temperature: 1.3, topK: 40, topP: 1 }, 4);
  });

  it('loops over row chunks of logits split by a small binding limit', async () => {
    const small = await testDevice({ maxBindingBytes: 6 * 129 * 4 });
    expect(await checkSampling(small, 37, 129, { temperature: 0.9, topK: 20, topP: 0.8 })).toBe(7);
    const { rng, seed } = freshRng();
    const x = rng.normals(37 * 129);
    expect(await readTokens(argmax(Tensor.from(small, x, [37, 129]))), `seed ${seed}`).toEqual(argmaxRef(x, 129));
  });

  it('keeps every token tied with the k-th largest under top-k, as HF does', async () => {
    const N = 64;
    const x = new Float32Array(N * 7);
    for (let r = 0; r < N; r++) x.set([0, 4, 1, 4, 0, 3, 4], r * 7);
    const got = await readTokens(sample(Tensor.from(device, x, [N, 7]), { topK: 2, seed: freshRng().seed }));
    expect(new Set(got)).toEqual(new Set([1, 3, 6]));
  });

  // A fixed seed, so these statistical tests are deterministic; p > 0.01 (df 1 to 7) and a fit that a
  // 2-point shift of probability would fail (p < 1e-3) show both that the sampler follows the
  // distribution and that the draws can tell it from a near miss.
  const SAMPLER_SEED = 20261201;

  async function drawCounts(logits: number[], N: number, opts: SampleOptions): Promise<number[]> {
    const V = logits.length;
    const x = new Float32Array(N * V);
    for (let i = 0; i < x.length; i++) x[i] = logits[i % V]!;
    return countsOf(await readTokens(sample(Tensor.from(device, x, [N, V]), { seed: SAMPLER_SEED, step: 0, ...opts })), V);
  }

  function expectFit(counts: number[], p: number[], nearMiss: number[]) {
    const fit = chiSquare(counts, p);
    expect(fit.p, `χ² = ${fit.statistic.toFixed(2)} on ${fit.dof} df (counts ${counts}, expected ${p})`).toBeGreaterThan(0.01);
    const miss = chiSquare(counts, nearMiss);
    expect(miss.p, `near miss ${nearMiss}: χ² = ${miss.statistic.toFixed(2)}`).toBeLessThan(1e-3);
  }

  it('draws a known 8-token distribution at its frequencies (chi-square, fixed seed)', async () => {
    const p = [0.05, 0.1, 0.15, 0.2, 0.25, 0.15, 0.07, 0.03];
    const counts = await drawCounts(p.map(Math.log), 8192, {});
    expectFit(counts, p, [0.05, 0.1, 0.15, 0.22, 0.23, 0.15, 0.07, 0.03]);
  });

  it('draws softmax(logits / T) at temperature 0.5: p² renormalised (chi-square, fixed seed)', async () => {
    const p = [0.1, 0.2, 0.3, 0.4];
    const counts = await drawCounts(p.map(Math.log), 8192, { temperature: 0.5 });
    expectFit(counts, [1 / 30, 4 / 30, 9 / 30, 16 / 30], [1 / 30, 4 / 30, 9 / 30 + 0.02, 16 / 30 - 0.02]);
  });

  it('draws only the top-k then top-p tokens, renormalised (chi-square, fixed seed)', async () => {
    // T = 0.5 gives (1, 4, 9, 16)/30; top-3 drops token 0; of (4, 9, 16)/29 top-p 0.8 keeps 16/29 + 9/29 ≥ 0.8.
    const p = [0.1, 0.2, 0.3, 0.4];
    const counts = await drawCounts(p.map(Math.log), 4096, { temperature: 0.5, topK: 3, topP: 0.8 });
    expect(counts.slice(0, 2), 'tokens outside top-p').toEqual([0, 0]);
    expectFit(counts, [0, 0, 9 / 25, 16 / 25], [0, 0, 9 / 25 + 0.03, 16 / 25 - 0.03]);
  });
});

describe('sample input checks', () => {
  const logits = Tensor.empty(device, [2, 10]);

  it.each([
    [{ temperature: -1 }, /temperature/],
    [{ temperature: 1e-46 }, /too small/],
    [{ topK: 1.5 }, /topK/],
    [{ topP: 0 }, /topP/],
    [{ topP: 1.5 }, /topP/],
    [{ seed: -1 }, /seed/],
    [{ step: -1 }, /step/],
  ] as const)('throws RangeError for %o', (opts: SampleOptions, message) => {
    expect(() => sample(logits, opts)).toThrow(RangeError);
    expect(() => sample(logits, opts)).toThrow(message);
  });

  it('throws ShapeMismatchError naming the shape for non-f32 or 1-D logits', () => {
    expect(() => sample(Tensor.empty(device, [10]))).toThrow(/\(10\)/);
    expect(() => argmax(Tensor.empty(device, [2, 10], 'bf16'))).toThrow(ShapeMismatchError);
  });
});
