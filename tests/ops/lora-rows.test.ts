import { describe, expect, it } from 'vitest';
import { loraRows } from '../../src/tensor/ops/lora-rows.js';
import { loraRowsRef } from '../../src/cpu/lora-rows.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { ShapeMismatchError } from '../../src/errors.js';
import { freshRng, relError, testDevice } from '../helpers/gpu.js';

const device = await testDevice();

describe('loraRows', () => {
  it.each([
    [1, 33, 17, 3, 5],
    [7, 64, 96, 2, 8],
    [300, 40, 24, 4, 16],
  ])('adds each row its own adapter’s update at N=%i in=%i out=%i adapters=%i R=%i', async (N, inF, outF, nA, R) => {
    const { rng, seed } = freshRng();
    const x = rng.normals(N * inF);
    const y = rng.normals(N * outF);
    const stack = { A: rng.normals(nA * R * inF), B: rng.normals(nA * outF * R), scales: Float32Array.from({ length: nA }, () => 0.5 + rng.next()), R };
    const rows = Array.from({ length: N }, () => rng.int(nA + 1) - 1);
    const yT = Tensor.from(device, y, [N, outF]);
    const s = { A: Tensor.from(device, stack.A, [nA, R, inF]), B: Tensor.from(device, stack.B, [nA, outF, R]), scales: Tensor.from(device, stack.scales, [nA]) };
    loraRows(yT, Tensor.from(device, x, [N, inF]), Tensor.from(device, rows, [N], 'i32'), s);
    const ref = loraRowsRef(y, x, rows, stack, inF, outF);
    expect(relError(await yT.read(), ref), `seed ${seed}`).toBeLessThan(1e-5);
  });

  it('leaves rows without an adapter exactly as they were', async () => {
    const y = Tensor.from(device, [1, 2, 3, 4], [2, 2]);
    const s = { A: Tensor.from(device, [1, 1], [1, 1, 2]), B: Tensor.from(device, [1, 1], [1, 2, 1]), scales: Tensor.from(device, [2], [1]) };
    loraRows(y, Tensor.from(device, [1, 2, 3, 4], [2, 2]), Tensor.from(device, [-1, 0], [2], 'i32'), s);
    expect([...(await y.read())]).toEqual([1, 2, 3 + 14, 4 + 14]);
  });

  it('names the shapes when the stacks do not fit x and y', () => {
    const s = { A: Tensor.empty(device, [2, 4, 8]), B: Tensor.empty(device, [2, 6, 4]), scales: Tensor.empty(device, [2]) };
    expect(() => loraRows(Tensor.empty(device, [3, 6]), Tensor.empty(device, [3, 7]), Tensor.empty(device, [3], 'i32'), s)).toThrow(ShapeMismatchError);
  });
});
