import { describe, expect, it } from 'vitest';
import { crossEntropy, IGNORE_INDEX, meanLoss } from '../../src/tensor/ops/cross-entropy.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { crossEntropyRef, meanLossRef } from '../../src/cpu/cross-entropy.js';
import type { Rng } from '../../src/cpu/random.js';
import type { Device } from '../../src/gpu/device.js';
import { ShapeMismatchError } from '../../src/errors.js';
import { freshRng, relError, testDevice } from '../helpers/gpu.js';

const device = await testDevice();

/** Labels in [0,V) with about `ignored` of them set to −100. */
function randomLabels(rng: Rng, N: number, V: number, ignored = 0.25): Int32Array {
  return Int32Array.from({ length: N }, () => (rng.next() < ignored ? IGNORE_INDEX : rng.int(V)));
}

async function check(dev: Device, N: number, V: number, opts: { scale?: number; labelsAsTensor?: boolean } = {}) {
  const { rng, seed } = freshRng();
  const x = rng.normals(N * V, opts.scale ?? 2);
  const labels = randomLabels(rng, N, V);
  const logits = Tensor.from(dev, x, [N, V]);
  const labelArg = opts.labelsAsTensor ? Tensor.from(dev, labels, [N], 'i32') : labels;
  const { losses, lse } = crossEntropy(logits, labelArg);
  const mean = meanLoss(losses, labelArg, V);
  const ref = crossEntropyRef(x, labels, V);
  const got = { losses: await losses.read(), lse: await lse.read(), mean: (await mean.read())[0]! };
  const errs = { losses: relError(got.losses, ref.losses), lse: relError(got.lse, ref.lse) };
  const meanRef = meanLossRef(ref.losses, labels, V);
  const chunks = logits.chunks.length;
  const what = `seed ${seed} N=${N} V=${V} chunks=${chunks}`;
  expect(errs.losses, `losses ${what}`).toBeLessThan(1e-5);
  expect(errs.lse, `lse ${what}`).toBeLessThan(1e-5);
  expect(Math.abs(got.mean - meanRef) / Math.abs(meanRef), `mean ${what}`).toBeLessThan(1e-5);
  for (let i = 0; i < N; i++) if (labels[i] === IGNORE_INDEX) expect(got.losses[i], `ignored row ${i} ${what}`).toBe(0);
  for (const t of [logits, losses, lse, mean]) t.dispose();
  if (labelArg instanceof Tensor) labelArg.dispose();
  return { ...errs, chunks };
}

describe('crossEntropy', () => {
  it.each([
    [5, 7],
    [9, 129],
    [33, 1000],
    [3, 151936],
  ])('per-row losses and lse match the reference at N=%i, V=%i', async (N, V) => {
    await check(device, N, V);
  });

  it('is stable for large logits (scale 80)', async () => {
    await check(device, 6, 1000, { scale: 80 });
  });

  it('takes labels as an i32 tensor as well as an array', async () => {
    await check(device, 17, 129, { labelsAsTensor: true });
  });

  it('loops over row chunks of logits split by a small binding limit', async () => {
    const small = await testDevice({ maxBindingBytes: 5 * 1000 * 4 });
    const { chunks } = await check(small, 37, 1000);
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
