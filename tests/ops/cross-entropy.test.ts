import { describe, expect, it } from 'vitest';
import { crossEntropy, IGNORE_INDEX, meanLoss } from '../../src/tensor/ops/cross-entropy.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { meanLossRef } from '../../src/cpu/cross-entropy.js';
import { ShapeMismatchError } from '../../src/errors.js';
import { freshRng, testDevice } from '../helpers/gpu.js';
import { checkCrossEntropy, randomLabels } from '../helpers/row-checks.js';

const device = await testDevice();

describe('crossEntropy', () => {
  it.each([
    [5, 7],
    [9, 129],
    [33, 1000],
    [3, 151936],
  ])('per-row losses and lse match the reference at N=%i, V=%i', async (N, V) => {
    await checkCrossEntropy(device, N, V);
  });

  it('is stable for large logits (scale 80)', async () => {
    await checkCrossEntropy(device, 6, 1000, { scale: 80 });
  });

  it('takes labels as an i32 tensor as well as an array', async () => {
    await checkCrossEntropy(device, 17, 129, { labelsAsTensor: true });
  });

  it('loops over row chunks of logits split by a small binding limit', async () => {
    const small = await testDevice({ maxBindingBytes: 5 * 1000 * 4 });
    const { chunks } = await checkCrossEntropy(small, 37, 1000);
    expect(chunks).toBe(8);
  });

  it('scores rows of (B,T,V) logits against (B,T) labels', async () => {
    const logits = Tensor.from(device, [0, 0, 0, 1, 2, 3], [1, 2, 3]);
    const { losses } = crossEntropy(logits, [2, IGNORE_INDEX]);
    expect(losses.shape).toEqual([1, 2]);
    const got = await losses.read();
    expect(got[0]).toBeCloseTo(Math.log(3), 6);
    expect(got[1]).toBe(0);
  });

  it('treats out-of-range labels in a tensor as ignored', async () => {
    const logits = Tensor.from(device, [1, 2, 3, 4, 5, 6], [2, 3]);
    const labels = Tensor.from(device, [3, 1], [2], 'i32');
    const { losses } = crossEntropy(logits, labels);
    const mean = await meanLoss(losses, labels, 3).read();
    const got = await losses.read();
    expect(got[0]).toBe(0);
    expect(mean[0]).toBeCloseTo(got[1]!, 6);
  });
});

describe('meanLoss', () => {
  it('reads back NaN for a batch whose labels are all ignored, as torch does', async () => {
    const logits = Tensor.from(device, freshRng().rng.normals(4 * 7), [4, 7]);
    const labels = new Int32Array(4).fill(IGNORE_INDEX);
    const { losses } = crossEntropy(logits, labels);
    const mean = await meanLoss(losses, labels, 7).read();
    expect(Number.isNaN(mean[0])).toBe(true);
    expect(meanLossRef(await losses.read(), labels, 7)).toBeNaN();
  });

  it('averages thousands of rows in one workgroup', async () => {
    const { rng, seed } = freshRng();
    const N = 5000;
    const values = Float32Array.from({ length: N }, () => rng.next() * 10);
    const labels = randomLabels(rng, N, 50, 0.4);
    const mean = await meanLoss(Tensor.from(device, values, [N]), labels, 50).read();
    const ref = meanLossRef(values, labels, 50);
    expect(Math.abs(mean[0]! - ref) / ref, `seed ${seed}`).toBeLessThan(1e-5);
  });
});

describe('crossEntropy input checks', () => {
  it('throws RangeError naming the row and value of an out-of-range label array', () => {
    const logits = Tensor.empty(device, [3, 10]);
    expect(() => crossEntropy(logits, [1, 10, 2])).toThrow(RangeError);
    expect(() => crossEntropy(logits, [1, 10, 2])).toThrow(/row 1 is 10/);
    expect(() => crossEntropy(logits, [1, 2, -1])).toThrow(/row 2 is -1/);
  });

  it('throws ShapeMismatchError naming both shapes when labels do not fit the rows', () => {
    const logits = Tensor.empty(device, [4, 10]);
    const labels = Tensor.empty(device, [5], 'i32');
    expect(() => crossEntropy(logits, labels)).toThrow(ShapeMismatchError);
    expect(() => crossEntropy(logits, labels)).toThrow(/\(5\).*\(4\)/);
    expect(() => crossEntropy(logits, [1, 2])).toThrow(ShapeMismatchError);
    expect(() => crossEntropy(Tensor.empty(device, [10]), [1])).toThrow(ShapeMismatchError);
    expect(() => crossEntropy(Tensor.empty(device, [4, 10], 'bf16'), [1, 2, 3, 4])).toThrow(ShapeMismatchError);
  });
});
