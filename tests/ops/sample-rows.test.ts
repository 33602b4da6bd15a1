import { describe, expect, it } from 'vitest';
import { sampleRows, type RowSampling } from '../../src/tensor/ops/sample.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { argmaxRef, drawIndex, keptWeights } from '../../src/cpu/sample.js';
import { uniformAt } from '../../src/cpu/random.js';
import { freshRng, testDevice } from '../helpers/gpu.js';

const device = await testDevice();

/** The reference token of one row: its own parameters and u = uniformAt(seed, counter). */
function referenceToken(row: Float32Array, o: RowSampling): number {
  if (o.temperature === 0) return argmaxRef(row, row.length)[0]!;
  return drawIndex(keptWeights(row, o), uniformAt(o.seed, o.counter));
}

describe('sampleRows', () => {
  it('samples each row with its own temperature, top-k, top-p, min-p, seed and counter in one dispatch', async () => {
    const { rng, seed } = freshRng();
    const [N, V] = [24, 301];
    const x = rng.normals(N * V, 3);
    const rows: RowSampling[] = Array.from({ length: N }, (_, r) => ({
      temperature: r % 6 === 0 ? 0 : 0.3 + rng.next() * 1.5,
      topK: r % 3 === 0 ? 0 : 1 + rng.int(60),
      topP: r % 4 === 0 ? 1 : 0.3 + rng.next() * 0.69,
      minP: r % 5 === 0 ? 0.05 + rng.next() * 0.3 : 0,
      seed: rng.int(2 ** 31),
      counter: rng.int(1000),
    }));
    const t = sampleRows(Tensor.from(device, x, [N, V]), rows);
    const got = (await t.read()) as Int32Array;
    t.dispose();
    const want = rows.map((o, r) => referenceToken(x.subarray(r * V, (r + 1) * V), o));
    expect([...got], `seed ${seed}`).toEqual(want);
  });

  it('gives a row the same token whatever rows share its batch', async () => {
    const { rng, seed } = freshRng();
    const V = 500;
    const row = rng.normals(V, 2);
    const params: RowSampling = { temperature: 0.9, topK: 0, topP: 0.95, minP: 0, seed: 7, counter: 12 };
    const alone = sampleRows(Tensor.from(device, row, [1, V]), [params]);
    const batch = new Float32Array(32 * V);
    for (let r = 0; r < 32; r++) batch.set(r === 17 ? row : rng.normals(V, 2), r * V);
    const others = Array.from({ length: 32 }, (_, r) => (r === 17 ? params : { ...params, seed: r, counter: r * 3 }));
    const among = sampleRows(Tensor.from(device, batch, [32, V]), others);
    expect(((await among.read()) as Int32Array)[17], `seed ${seed}`).toBe(((await alone.read()) as Int32Array)[0]);
  });

  it('keeps only tokens within min-p of the most probable one', async () => {
    const V = 6;
    const N = 256;
    const logp = [0, Math.log(0.5), Math.log(0.25), Math.log(0.09), Math.log(0.05), -20];
    const x = new Float32Array(N * V);
    for (let r = 0; r < N; r++) x.set(logp, r * V);
    const rows = Array.from({ length: N }, (_, r) => ({ temperature: 1, topK: 0, topP: 1, minP: 0.2, seed: 3, counter: r }));
    const got = (await sampleRows(Tensor.from(device, x, [N, V]), rows).read()) as Int32Array;
    expect(new Set(got)).toEqual(new Set([0, 1, 2]));
  });

  it('rejects a min-p outside [0, 1)', () => {
    const rows = [{ temperature: 1, topK: 0, topP: 1, minP: 1, seed: 0, counter: 0 }];
    expect(() => sampleRows(Tensor.empty(device, [1, 4]), rows)).toThrow(/minP/);
  });
});
