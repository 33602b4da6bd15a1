import { describe, expect, it } from 'vitest';
import { crossEntropy, crossEntropyBackward, IGNORE_INDEX } from '../../src/tensor/ops/cross-entropy.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { crossEntropyBackwardRef, crossEntropyRef } from '../../src/cpu/cross-entropy.js';
import type { Rng } from '../../src/cpu/random.js';
import type { Device } from '../../src/gpu/device.js';
import { ShapeMismatchError } from '../../src/errors.js';
import { freshRng, relError, testDevice } from '../helpers/gpu.js';
import { finiteDiffError } from '../helpers/grad.js';

const device = await testDevice();

/** Labels in [0,V) with about a quarter of them −100. */
function randomLabels(rng: Rng, N: number, V: number): Int32Array {
  return Int32Array.from({ length: N }, () => (rng.next() < 0.25 ? IGNORE_INDEX : rng.int(V)));
}

async function check(dev: Device, N: number, V: number, logitScale = 2) {
  const { rng, seed } = freshRng();
  const x = rng.normals(N * V, logitScale);
  const labels = randomLabels(rng, N, V);
  const scale = 1 / Math.max(1, labels.filter((l) => l !== IGNORE_INDEX).length);
  const logits = Tensor.from(dev, x, [N, V]);
  const { losses, lse } = crossEntropy(logits, labels);
  const grad = crossEntropyBackward(logits, labels, lse, scale);
  const got = await grad.read();
  const err = relError(got, crossEntropyBackwardRef(x, labels, V, scale));
  const what = `seed ${seed} N=${N} V=${V} chunks=${logits.chunks.length}`;
  expect(err, what).toBeLessThan(1e-5);
  labels.forEach((l, r) => {
    if (l === IGNORE_INDEX) expect(got.subarray(r * V, (r + 1) * V).every((g) => g === 0), `ignored row ${r} ${what}`).toBe(true);
  });
  const chunks = logits.chunks.length;
  for (const t of [logits, losses, lse, grad]) t.dispose();
  return { err, chunks };
}

describe('crossEntropy reference backward', () => {
  it('matches central finite differences of the mean of the reference losses', () => {
    const { rng, seed } = freshRng();
    const [N, V] = [4, 7];
    const x = rng.normals(N * V, 2);
    const labels = Int32Array.from([3, IGNORE_INDEX, 0, 6]);
    const w = new Float32Array(N).fill(1 / 3);
    const grad = crossEntropyBackwardRef(x, labels, V, 1 / 3);
    expect(finiteDiffError((v) => crossEntropyRef(v, labels, V).losses, x, w, grad, rng), `seed ${seed}`).toBeLessThan(1e-3);
  });
});

describe('crossEntropyBackward', () => {
  it.each([
    [5, 7],
    [9, 129],
    [33, 1000],
  ])('softmax − onehot, scaled, matches the reference at N=%i, V=%i, with ignored rows zero', async (N, V) => {
    await check(device, N, V);
  });

  it('is stable for large logits (scale 80)', async () => {
    await check(device, 6, 1000, 80);
  });

  it('runs per row chunk of logits split by a small binding limit', async () => {
    const small = await testDevice({ maxBindingBytes: 5 * 1000 * 4 });
    expect((await check(small, 37, 1000)).chunks).toBe(8);
  });

  it('takes (B,T,V) logits with (B,T) labels', async () => {
    const logits = Tensor.from(device, [0, 0, 0, 1, 2, 3], [1, 2, 3]);
    const { lse } = crossEntropy(logits, [2, IGNORE_INDEX]);
    const grad = await crossEntropyBackward(logits, [2, IGNORE_INDEX], lse, 1).read();
    [1 / 3, 1 / 3, -2 / 3, 0, 0, 0].forEach((want, i) => expect(grad[i]).toBeCloseTo(want, 6));
  });

  it('throws naming both shapes when lse does not fit the rows of logits', () => {
    const logits = Tensor.empty(device, [4, 10]);
    expect(() => crossEntropyBackward(logits, [1, 2, 3, 4], Tensor.empty(device, [5]), 1)).toThrow(ShapeMismatchError);
    expect(() => crossEntropyBackward(logits, [1, 2, 3, 4], Tensor.empty(device, [5]), 1)).toThrow(/\(5\).*\(4\)/);
  });
});
