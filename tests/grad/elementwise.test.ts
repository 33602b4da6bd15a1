import { describe, expect, it } from 'vitest';
import { addBackward, mulBackward } from '../../src/tensor/ops/elementwise.js';
import { addBackwardRef, addRef, mulBackwardRef, mulRef } from '../../src/cpu/elementwise.js';
import { Tensor, type Shape } from '../../src/tensor/tensor.js';
import type { Device } from '../../src/gpu/device.js';
import { roundTo } from '../../src/tensor/half.js';
import { ShapeMismatchError } from '../../src/errors.js';
import { freshRng, relError, testDevice } from '../helpers/gpu.js';
import { finiteDiffError } from '../helpers/grad.js';

const device = await testDevice();
/** 4 KiB bindings: (5,13,37) f32 splits into chunks of 27 rows. */
const chunked = await testDevice({ maxBindingBytes: 4096 });

const count = (shape: Shape) => shape.reduce((x, y) => x * y, 1);

async function check(dev: Device, op: 'add' | 'mul', aShape: Shape, bShape: Shape, bDtype: 'f32' | 'bf16' = 'f32') {
  const { rng, seed } = freshRng();
  const [aV, bV, dyV] = [rng.normals(count(aShape)), rng.normals(count(bShape)), rng.normals(count(aShape))];
  const [a, b, dy] = [Tensor.from(dev, aV, aShape), Tensor.from(dev, bV, bShape, bDtype), Tensor.from(dev, dyV, aShape)];
  const g = op === 'add' ? addBackward(dy, b) : mulBackward(dy, a, b);
  const ref = (op === 'add' ? addBackwardRef : mulBackwardRef)(dyV, aV, bDtype === 'f32' ? bV : roundTo(bV, bDtype));
  expect(g.db!.shape).toEqual(bShape);
  const errs = { da: relError(await g.da.read(), ref.da), db: relError(await g.db!.read(), ref.db) };
  const what = `seed ${seed} ${op} ${aShape} ${bShape} ${bDtype}`;
  expect(errs.da, what).toBeLessThan(1e-6);
  expect(errs.db, what).toBeLessThan(1e-5);
  const chunks = a.chunks.length;
  for (const t of [a, b, dy, g.da, g.db]) t?.dispose();
  return { errs, chunks };
}

describe('elementwise reference backward', () => {
  it('mul and add match central finite differences of the reference forward, broadcast b included', () => {
    const { rng, seed } = freshRng();
    const [aV, bV, dyV] = [rng.normals(24), rng.normals(8), rng.normals(24)];
    for (const [fwd, bwd] of [[mulRef, mulBackwardRef], [addRef, addBackwardRef]] as const) {
      const ref = bwd(dyV, aV, bV);
      expect(finiteDiffError((v) => fwd(v, bV), aV, dyV, ref.da, rng), `da seed ${seed}`).toBeLessThan(1e-4);
      expect(finiteDiffError((v) => fwd(aV, v), bV, dyV, ref.db, rng), `db seed ${seed}`).toBeLessThan(1e-4);
    }
  });
});

describe('mulBackward and addBackward', () => {
  it.each([[[1]], [[129, 7]], [[2, 3, 129]]] as [Shape][])('same-shape gradients match the reference at %j', async (shape) => {
    await check(device, 'mul', shape, shape);
    await check(device, 'add', shape, shape);
  });

  it('sums a broadcast b over the rows it was repeated on', async () => {
    await check(device, 'mul', [3, 7, 129], [7, 129]);
    await check(device, 'mul', [1000, 33], [33], 'bf16');
    await check(device, 'add', [300, 33], [33]);
  });

  it('runs on chunked tensors, same-shape and broadcast over whole rows', async () => {
    expect((await check(chunked, 'mul', [100, 37], [100, 37])).chunks).toBeGreaterThanOrEqual(3);
    await check(chunked, 'mul', [100, 37], [37]);
  });

  it('throws naming both shapes when dy does not match a', () => {
    const a = Tensor.empty(device, [4, 5]);
    expect(() => mulBackward(Tensor.empty(device, [4, 6]), a, a)).toThrow(ShapeMismatchError);
    expect(() => mulBackward(Tensor.empty(device, [4, 6]), a, a)).toThrow(/\(4,6\).*\(4,5\)/);
  });
});
