import { describe, expect, it } from 'vitest';
import { dropout, dropoutBackward } from '../../src/tensor/ops/dropout.js';
import { dropoutRef } from '../../src/cpu/dropout.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { freshRng, relError, testDevice } from '../helpers/gpu.js';
import { finiteDiffError } from '../helpers/grad.js';

const device = await testDevice();

describe('dropout', () => {
  it('zeroes the same elements as the reference and rescales the rest by 1/(1−p)', async () => {
    const { rng, seed } = freshRng();
    const x = rng.normals(1001);
    const y = await dropout(Tensor.from(device, x, [7, 143]), 0.1, seed).read();
    const ref = dropoutRef(x, 0.1, seed);
    expect(Array.from(y, (v) => v === 0)).toEqual(Array.from(ref, (v) => v === 0));
    expect(relError(y, ref), `seed ${seed}`).toBeLessThan(1e-6);
    const dropped = ref.filter((v) => v === 0).length;
    expect(dropped).toBeGreaterThan(50);
    expect(dropped).toBeLessThan(160);
  });

  it('regenerates the forward mask in the backward from the seed', async () => {
    const ones = Tensor.from(device, new Float32Array(500).fill(1), [500]);
    const fwd = await dropout(ones, 0.3, 9).read();
    expect(await dropoutBackward(ones, 0.3, 9).read()).toEqual(fwd);
  });

  it('backward is the gradient of the reference forward (central finite differences, every coordinate)', async () => {
    const { rng, seed } = freshRng();
    const p = 0.3;
    const [x, dy] = [rng.normals(300), rng.normals(300)];
    const dx = await dropoutBackward(Tensor.from(device, dy, [300]), p, seed).read();
    expect(dx.filter((v) => v === 0).length, 'some gradients dropped').toBeGreaterThan(40);
    expect(finiteDiffError((v) => dropoutRef(v, p, seed), x, dy, dx, rng, 300), `seed ${seed}`).toBeLessThan(1e-5);
  });

  it('is the identity at p = 0', async () => {
    const x = Tensor.from(device, [1, 2, 3], [3]);
    expect(Array.from(await dropout(x, 0, 1).read())).toEqual([1, 2, 3]);
  });
});
