import { describe, expect, it } from 'vitest';
import { applyPenalties } from '../../src/tensor/ops/penalties.js';
import { penaltiesRef } from '../../src/cpu/penalties.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { freshRng, relError, testDevice } from '../helpers/gpu.js';

const device = await testDevice();

describe('applyPenalties', () => {
  it('penalises each seen id once per row with that row’s repetition, presence and frequency penalties', async () => {
    const { rng, seed } = freshRng();
    const [B, V] = [4, 1000];
    const values = rng.normals(B * V);
    const seen = [
      { prompt: [1, 5, 5, 999], output: [5, 7, 7, 7] },
      { prompt: [], output: [] },
      { prompt: Array.from({ length: 129 }, () => rng.int(V)), output: Array.from({ length: 40 }, () => rng.int(V)) },
      { prompt: [3], output: [3, 4] },
    ];
    const params = [
      { repetition: 1.3, presence: 0, frequency: 0 },
      { repetition: 2, presence: 1, frequency: 1 },
      { repetition: 1.1, presence: 0.5, frequency: 0.25 },
      { repetition: 1, presence: -0.5, frequency: 2 },
    ];
    const logits = Tensor.from(device, values, [B, V]);
    applyPenalties(logits, seen, params);
    const ref = penaltiesRef(values, V, seen, params);
    expect(relError(await logits.read(), ref), `seed ${seed}`).toBeLessThan(1e-6);
    expect(ref.filter((v, i) => v !== values[i]).length).toBeGreaterThan(150);
  });

  it('counts presence and frequency over the output only, repetition over the prompt too', async () => {
    const logits = Tensor.from(device, [2, 2, -2, 2], [1, 4]);
    applyPenalties(logits, [{ prompt: [0, 2], output: [1, 1, 2] }], [{ repetition: 2, presence: 0.5, frequency: 0.25 }]);
    expect([...(await logits.read())]).toEqual([1, 1 - 0.5 - 0.5, -4 - 0.5 - 0.25, 2]);
  });

  it('rejects a repetition penalty that is not positive, naming the row', () => {
    const logits = Tensor.empty(device, [2, 4]);
    const seen = [{ prompt: [1], output: [] }, { prompt: [1], output: [] }];
    expect(() => applyPenalties(logits, seen, [{ repetition: 1, presence: 0, frequency: 0 }, { repetition: 0, presence: 0, frequency: 0 }])).toThrow(/row 1: repetition penalty must be > 0/);
  });
});
