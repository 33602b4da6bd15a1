import { describe, expect, it } from 'vitest';
import { siluMul } from '../../src/tensor/ops/silu-mul.js';
import { siluMulRef } from '../../src/cpu/silu-mul.js';
import { Tensor, type Shape } from '../../src/tensor/tensor.js';
import type { Device } from '../../src/gpu/device.js';
import { ShapeMismatchError } from '../../src/errors.js';
import { freshRng, relError, testDevice } from '../helpers/gpu.js';

const device = await testDevice();
/** 4 KiB bindings: (100,37) f32 splits into 4 chunks. */
const chunked = await testDevice({ maxBindingBytes: 4096 });

async function check(dev: Device, shape: Shape, gateScale = 3) {
  const { rng, seed } = freshRng();
  const n = shape.reduce((a, b) => a * b, 1);
  const [gV, uV] = [rng.normals(n, gateScale), rng.normals(n)];
  const [gate, up] = [Tensor.from(dev, gV, shape), Tensor.from(dev, uV, shape)];
  const out = siluMul(gate, up);
  const err = relError(await out.read(), siluMulRef(gV, uV));
  expect(err, `seed ${seed} ${JSON.stringify(shape)}`).toBeLessThan(1e-5);
  const chunks = gate.chunks.length;
  for (const t of [gate, up, out]) t.dispose();
  return { err, chunks };
}

describe('siluMul', () => {
  it.each([[[1]], [[7, 129]], [[1000, 33]], [[2, 3, 1000]]] as [Shape][])('matches silu(gate)·up of the reference at %j', async (shape) => {
    await check(device, shape);
  });

  it('stays finite and exact at large |gate| (silu → gate for +, → −0 for −)', async () => {
    const g = [-100, -30, 30, 100, 0];
    const out = siluMul(Tensor.from(device, g, [5]), Tensor.from(device, [1, 1, 1, 1, 1], [5]));
    const got = [...(await out.read())];
    expect(got.every(Number.isFinite)).toBe(true);
    expect(relError(got, siluMulRef(Float32Array.from(g), Float32Array.from([1, 1, 1, 1, 1])))).toBeLessThan(1e-6);
  });

  it('runs per chunk on tensors split across bindings', async () => {
    expect((await check(chunked, [100, 37])).chunks).toBeGreaterThanOrEqual(3);
  });

  it('throws naming both shapes when gate and up differ, even where up would broadcast', () => {
    const gate = Tensor.empty(device, [4, 5]);
    expect(() => siluMul(gate, Tensor.empty(device, [4, 6]))).toThrow(ShapeMismatchError);
    expect(() => siluMul(gate, Tensor.empty(device, [4, 6]))).toThrow(/\(4,5\).*\(4,6\)/);
    expect(() => siluMul(gate, Tensor.empty(device, [5]))).toThrow(ShapeMismatchError);
  });

  it('throws on a non-f32 gate', () => {
    expect(() => siluMul(Tensor.empty(device, [4, 5], 'bf16'), Tensor.empty(device, [4, 5], 'bf16'))).toThrow(ShapeMismatchError);
  });
});
