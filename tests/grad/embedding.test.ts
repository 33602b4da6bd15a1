import { describe, expect, it } from 'vitest';
import { embeddingBackward } from '../../src/tensor/ops/embedding.js';
import { embeddingBackwardRef, embeddingRef } from '../../src/cpu/embedding.js';
import { Tensor } from '../../src/tensor/tensor.js';
import type { Device } from '../../src/gpu/device.js';
import { ShapeMismatchError } from '../../src/errors.js';
import { freshRng, relError, testDevice } from '../helpers/gpu.js';
import { finiteDiffError } from '../helpers/grad.js';

const device = await testDevice();
/** 4 KiB bindings: a (100,37) f32 gradient splits into 4 chunks. */
const chunked = await testDevice({ maxBindingBytes: 4096 });

async function check(dev: Device, V: number, C: number, ids: number[], rows?: number[]) {
  const { rng, seed } = freshRng();
  const dV = rng.normals(ids.length * C);
  const dOut = Tensor.from(dev, dV, [ids.length, C]);
  const grad = embeddingBackward(dOut, ids, V, rows ? { rows } : {});
  expect(grad.shape).toEqual([rows ? rows.length : V, C]);
  const err = relError(await grad.read(), embeddingBackwardRef(dV, C, ids, V, rows));
  expect(err, `seed ${seed} V=${V} C=${C} ids ${ids} rows ${rows}`).toBeLessThan(1e-6);
  const chunks = grad.chunks.length;
  for (const t of [dOut, grad]) t.dispose();
  return { err, chunks };
}

describe('embedding reference backward', () => {
  it('matches central finite differences of the reference gather, repeated ids included', () => {
    const { rng, seed } = freshRng();
    const [V, C, ids] = [6, 3, [1, 4, 1, 0, 1]];
    const [table, dV] = [rng.normals(V * C), rng.normals(ids.length * C)];
    const grad = embeddingBackwardRef(dV, C, ids, V);
    expect(finiteDiffError((t) => embeddingRef(t, C, ids), table, dV, grad, rng), `seed ${seed}`).toBeLessThan(1e-4);
  });
});

describe('embeddingBackward', () => {
  it('sums the gradient rows of repeated ids and leaves unused rows zero', async () => {
    await check(device, 50, 129, [3, 7, 3, 49, 0, 3, 7]);
    await check(device, 7, 1, [6]);
  });

  it('handles many tokens over a larger vocabulary', async () => {
    const { rng } = freshRng();
    await check(device, 1000, 33, Array.from({ length: 300 }, () => rng.int(40) * 25));
  });

  it('computes only the requested rows, in their order (trainable new-token rows)', async () => {
    await check(device, 100, 9, [99, 98, 5, 99, 3], [99, 5, 98, 50]);
  });

  it('writes a gradient split into chunks', async () => {
    expect((await check(chunked, 100, 37, [0, 26, 27, 53, 54, 99, 27, 27])).chunks).toBeGreaterThanOrEqual(3);
  });

  it('throws on ids that do not match dOut, out-of-range ids and repeated rows', () => {
    const dOut = Tensor.empty(device, [3, 4]);
    expect(() => embeddingBackward(dOut, [1, 2], 10)).toThrow(ShapeMismatchError);
    expect(() => embeddingBackward(dOut, [1, 2], 10)).toThrow(/\(3,4\)/);
    expect(() => embeddingBackward(dOut, [1, 2, 10], 10)).toThrow(RangeError);
    expect(() => embeddingBackward(dOut, [1, 2, 3], 10, { rows: [4, 4] })).toThrow(/rows\[1\] = 4/);
  });
});
