import { describe, expect, it } from 'vitest';
import { siluMulBackward } from '../../src/tensor/ops/silu-mul.js';
import { siluMulBackwardRef, siluMulRef } from '../../src/cpu/silu-mul.js';
import { Tensor, type Shape } from '../../src/tensor/tensor.js';
import type { Device } from '../../src/gpu/device.js';
import { ShapeMismatchError } from '../../src/errors.js';
import { freshRng, relError, testDevice } from '../helpers/gpu.js';
import { finiteDiffError } from '../helpers/grad.js';

const device = await testDevice();
/** 4 KiB bindings: (100,37) f32 splits into 4 chunks. */
const chunked = await testDevice({ maxBindingBytes: 4096 });

async function check(dev: Device, shape: Shape) {
  const { rng, seed } = freshRng();
  const n = shape.reduce((a, b) => a * b, 1);
  const [dyV, gV, uV] = [rng.normals(n), rng.normals(n, 3), rng.normals(n)];
  const [dy, gate, up] = [Tensor.from(dev, dyV, shape), Tensor.from(dev, gV, shape), Tensor.from(dev, uV, shape)];
  const g = siluMulBackward(dy, gate, up);
  const ref = siluMulBackwardRef(dyV, gV, uV);
  const what = `seed ${seed} ${JSON.stringify(shape)}`;
  const errs = { dGate: relError(await g.dGate.read(), ref.dGate), dUp: relError(await g.dUp.read(), ref.dUp) };
  expect(errs.dGate, what).toBeLessThan(1e-5);
  expect(errs.dUp, what).toBeLessThan(1e-5);
  const chunks = gate.chunks.length;
  for (const t of [dy, gate, up, g.dGate, g.dUp]) t.dispose();
  return { errs, chunks };
}

describe('siluMul reference backward', () => {
  it('matches central finite differences of the reference forward in gate and up', () => {
    const { rng, seed } = freshRng();
    const [dyV, gV, uV] = [rng.normals(40), rng.normals(40, 3), rng.normals(40)];
    const ref = siluMulBackwardRef(dyV, gV, uV);
    expect(finiteDiffError((v) => siluMulRef(v, uV), gV, dyV, ref.dGate, rng), `dGate seed ${seed}`).toBeLessThan(1e-3);
    expect(finiteDiffError((v) => siluMulRef(gV, v), uV, dyV, ref.dUp, rng), `dUp seed ${seed}`).toBeLessThan(1e-4);
  });
});

describe('siluMulBackward', () => {
  it.each([[[1]], [[7, 129]], [[1000, 33]], [[2, 3, 1000]]] as [Shape][])('dGate and dUp match the reference at %j', async (shape) => {
    await check(device, shape);
  });

  it('stays finite at large |gate|', async () => {
    const gate = Tensor.from(device, [-100, -30, 30, 100, 0], [5]);
    const ones = Tensor.from(device, [1, 1, 1, 1, 1], [5]);
    const { dGate, dUp } = siluMulBackward(ones, gate, ones);
    expect([...(await dGate.read()), ...(await dUp.read())].every(Number.isFinite)).toBe(true);
  });

  it('runs per chunk on tensors split across bindings', async () => {
    expect((await check(chunked, [100, 37])).chunks).toBeGreaterThanOrEqual(3);
  });

  it('throws naming both shapes when dy does not match gate', () => {
    const gate = Tensor.empty(device, [4, 5]);
    expect(() => siluMulBackward(Tensor.empty(device, [4, 6]), gate, gate)).toThrow(ShapeMismatchError);
    expect(() => siluMulBackward(Tensor.empty(device, [4, 6]), gate, gate)).toThrow(/\(4,6\).*\(4,5\)/);
  });
});
