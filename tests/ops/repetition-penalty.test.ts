import { describe, expect, it } from 'vitest';
import { applyRepetitionPenalty } from '../../src/tensor/ops/repetition-penalty.js';
import { repetitionPenaltyRef } from '../../src/cpu/repetition-penalty.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { freshRng, relError, testDevice } from '../helpers/gpu.js';

const device = await testDevice();

describe('applyRepetitionPenalty', () => {
  it('penalises each seen id once, dividing positive and multiplying negative logits', async () => {
    const { rng, seed } = freshRng();
    const [B, V] = [3, 1000];
    const values = rng.normals(B * V);
    const seen = [[1, 5, 5, 999, 5], [], Array.from({ length: 129 }, () => rng.int(V))];
    const logits = Tensor.from(device, values, [B, V]);
    applyRepetitionPenalty(logits, seen, 1.3);
    const ref = repetitionPenaltyRef(values, V, seen, 1.3);
    expect(relError(await logits.read(), ref), `seed ${seed}`).toBeLessThan(1e-6);
    expect(ref.filter((v, i) => v !== values[i]).length).toBeGreaterThan(100);
  });

  it('rejects a penalty that is not positive', () => {
    const logits = Tensor.empty(device, [1, 4]);
    expect(() => applyRepetitionPenalty(logits, [[1]], 0)).toThrow(/penalty must be > 0/);
  });
});
