import { describe, expect, it } from 'vitest';
import { applyRopeBackward, type RopeOptions } from '../../src/tensor/ops/rope.js';
import { ropeBackwardRef, ropeRef } from '../../src/cpu/rope.js';
import { Tensor, type Shape } from '../../src/tensor/tensor.js';
import type { Device } from '../../src/gpu/device.js';
import { ShapeMismatchError } from '../../src/errors.js';
import { freshRng, relError, testDevice } from '../helpers/gpu.js';
import { finiteDiffError } from '../helpers/grad.js';

const device = await testDevice();
/** 4 KiB bindings: (20,4,64) f32 splits into 5 chunks of (token, head) rows. */
const chunked = await testDevice({ maxBindingBytes: 4096 });

async function check(dev: Device, shape: Shape, c: { offset?: number; positions?: number[] } = {}) {
  const { rng, seed } = freshRng();
  const [T, H, D] = shape.slice(-3) as [number, number, number];
  const B = shape.length === 4 ? shape[0]! : 1;
  const dyV = rng.normals(B * T * H * D);
  const dy = Tensor.from(dev, dyV, shape);
  const positions = c.positions && Tensor.from(dev, c.positions, shape.slice(0, -2), 'i32');
  const opts: RopeOptions = { theta: 1e6, ...(positions ? { positions } : {}), ...(c.offset !== undefined ? { offset: c.offset } : {}) };
  const dx = applyRopeBackward(dy, opts);
  const ref = ropeBackwardRef(dyV, { B, T, H, D }, 1e6, c.positions && Int32Array.from(c.positions), c.offset);
  const err = relError(await dx.read(), ref);
  expect(err, `seed ${seed} ${JSON.stringify(shape)} ${JSON.stringify(c)}`).toBeLessThan(1e-5);
  const chunks = dy.chunks.length;
  for (const t of [dy, dx, positions]) t?.dispose();
  return { err, chunks };
}

describe('rope reference backward', () => {
  it('matches central finite differences of the reference forward', () => {
    const { rng, seed } = freshRng();
    const dims = { B: 2, T: 3, H: 2, D: 8 };
    const positions = Int32Array.from([5, 0, 900, 3, 4000, 7]);
    const [xV, dyV] = [rng.normals(2 * 3 * 2 * 8), rng.normals(2 * 3 * 2 * 8)];
    const dx = ropeBackwardRef(dyV, dims, 1e4, positions);
    expect(finiteDiffError((v) => ropeRef(v, dims, 1e4, positions), xV, dyV, dx, rng), `seed ${seed}`).toBeLessThan(1e-4);
  });
});

describe('applyRopeBackward', () => {
  it.each([[[1, 1, 2]], [[7, 3, 64]], [[129, 2, 128]], [[3, 7, 2, 128]]] as [Shape][])('matches the reference at %j', async (shape) => {
    await check(device, shape);
  });

  it('follows an offset and per-token positions, as the forward', async () => {
    await check(device, [7, 3, 128], { offset: 4000 });
    await check(device, [2, 7, 3, 64], { positions: [0, 1, 2, 3, 4, 5, 6, 900, 901, 902, 903, 904, 905, 906] });
  });

  it('runs per chunk on a gradient split across bindings', async () => {
    expect((await check(chunked, [20, 4, 64], { offset: 123 })).chunks).toBeGreaterThanOrEqual(3);
  });

  it('validates like the forward', () => {
    expect(() => applyRopeBackward(Tensor.empty(device, [4, 2, 7]), { theta: 1e4 })).toThrow(ShapeMismatchError);
  });
});
