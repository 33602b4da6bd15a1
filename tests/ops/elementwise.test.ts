import { describe, expect, it } from 'vitest';
import { add, mul, scale } from '../../src/tensor/ops/elementwise.js';
import { addRef, mulRef, scaleRef } from '../../src/cpu/elementwise.js';
import { Tensor, type Shape } from '../../src/tensor/tensor.js';
import type { Device } from '../../src/gpu/device.js';
import { roundTo } from '../../src/tensor/half.js';
import { ShapeMismatchError } from '../../src/errors.js';
import { freshRng, relError, testDevice } from '../helpers/gpu.js';

const device = await testDevice();
/** 4 KiB bindings: a (100,37) f32 tensor splits into 4 chunks. */
const chunked = await testDevice({ maxBindingBytes: 4096 });

const OPS = { add: [add, addRef], mul: [mul, mulRef] } as const;

async function check(dev: Device, op: keyof typeof OPS, aShape: Shape, bShape: Shape, bDtype: 'f32' | 'bf16' = 'f32') {
  const { rng, seed } = freshRng();
  const [gpuOp, refOp] = OPS[op];
  const aV = rng.normals(aShape.reduce((x, y) => x * y, 1));
  const bV = rng.normals(bShape.reduce((x, y) => x * y, 1));
  const a = Tensor.from(dev, aV, aShape);
  const b = Tensor.from(dev, bV, bShape, bDtype);
  const out = gpuOp(a, b);
  const err = relError(await out.read(), refOp(aV, bDtype === 'f32' ? bV : roundTo(bV, bDtype)));
  expect(err, `seed ${seed} ${op} ${aShape} ${bShape} ${bDtype}`).toBeLessThan(1e-6);
  const chunks = a.chunks.length;
  for (const t of [a, b, out]) t.dispose();
  return { err, chunks };
}

describe('elementwise', () => {
  it.each([[[1]], [[7]], [[129, 7]], [[1000, 33]], [[2, 3, 129]]] as [Shape][])('add and mul of same-shape tensors match the reference at %j', async (shape) => {
    await check(device, 'add', shape, shape);
    await check(device, 'mul', shape, shape);
  });

  it('add broadcasts a bias (C) over the rows of (T,C), f32 and bf16', async () => {
    await check(device, 'add', [129, 33], [33]);
    await check(device, 'add', [7, 1000], [1000], 'bf16');
  });

  it('mul broadcasts (T,C) over (B,T,C)', async () => {
    await check(device, 'mul', [3, 7, 129], [7, 129]);
  });

  it('scale multiplies every element by a number', async () => {
    const { rng, seed } = freshRng();
    const aV = rng.normals(7 * 129);
    const a = Tensor.from(device, aV, [7, 129]);
    const out = scale(a, 0.125);
    expect(relError(await out.read(), scaleRef(aV, 0.125)), `seed ${seed}`).toBeLessThan(1e-7);
  });

  it('runs per chunk on tensors split across bindings, same-shape and broadcast', async () => {
    expect((await check(chunked, 'add', [100, 37], [100, 37])).chunks).toBeGreaterThanOrEqual(3);
    await check(chunked, 'mul', [100, 37], [37], 'bf16');
    // b (13,37) over (5,13,37): chunk boundaries (27 rows) fall mid-period of b.
    await check(chunked, 'add', [5, 13, 37], [13, 37]);
    const { rng } = freshRng();
    const aV = rng.normals(100 * 37);
    const a = Tensor.from(chunked, aV, [100, 37]);
    expect(relError(await scale(a, -3).read(), scaleRef(aV, -3))).toBeLessThan(1e-7);
  });

  it('takes four elements a thread where the sizes allow (shaders/elementwise_vec4.wgsl): same-shape, broadcast, chunked, scale', async () => {
    await check(device, 'add', [1000, 32], [1000, 32]);
    await check(device, 'mul', [129, 36], [36]);
    expect((await check(chunked, 'add', [100, 40], [100, 40])).chunks).toBeGreaterThanOrEqual(3);
    // b (13,40) over (5,13,40): chunk boundaries fall mid-period of b, at multiples of 4.
    await check(chunked, 'mul', [5, 13, 40], [13, 40]);
    const { rng, seed } = freshRng();
    const aV = rng.normals(8 * 128);
    expect(relError(await scale(Tensor.from(device, aV, [8, 128]), 0.375).read(), scaleRef(aV, 0.375)), `seed ${seed}`).toBeLessThan(1e-7);
  });

  it('throws naming both shapes when b is neither a\'s shape nor its trailing dims', () => {
    const a = Tensor.empty(device, [4, 5]);
    expect(() => add(a, Tensor.empty(device, [6, 7]))).toThrow(ShapeMismatchError);
    expect(() => add(a, Tensor.empty(device, [6, 7]))).toThrow(/\(6,7\).*\(4,5\)/);
    expect(() => mul(a, Tensor.empty(device, [4]))).toThrow(/\(4\).*\(4,5\)/);
    expect(() => mul(a, Tensor.empty(device, [2, 4, 5]))).toThrow(ShapeMismatchError);
  });

  it('throws on integer operands and on a same-shape b split differently from a', () => {
    const a = Tensor.empty(device, [4, 5]);
    expect(() => add(a, Tensor.empty(device, [4, 5], 'i32'))).toThrow(ShapeMismatchError);
    expect(() => add(Tensor.empty(device, [4, 5], 'i32'), a)).toThrow(ShapeMismatchError);
    const big = Tensor.empty(chunked, [100, 37]);
    expect(() => add(big, Tensor.empty(chunked, [100, 37], 'bf16'))).toThrow(/different chunks/);
  });
});
