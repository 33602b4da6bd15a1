import { describe, expect, it } from 'vitest';
import { embedding, validateIds } from '../../src/tensor/ops/embedding.js';
import { embeddingRef } from '../../src/cpu/embedding.js';
import { Tensor, type Shape } from '../../src/tensor/tensor.js';
import type { Device } from '../../src/gpu/device.js';
import { roundTo } from '../../src/tensor/half.js';
import { ShapeMismatchError } from '../../src/errors.js';
import { freshRng, relError, testDevice } from '../helpers/gpu.js';

const device = await testDevice();
/** 4 KiB bindings: a (100,37) f32 table splits into 4 chunks, a (300,37) bf16 one into 6. */
const chunked = await testDevice({ maxBindingBytes: 4096 });

type FloatType = 'f32' | 'bf16' | 'f16';

async function check(dev: Device, V: number, C: number, idsShape: Shape, dtype: FloatType = 'f32', extra: number[] = []) {
  const { rng, seed } = freshRng();
  const tV = rng.normals(V * C);
  const n = idsShape.reduce((a, b) => a * b, 1);
  const idV = Array.from({ length: n }, (_, i) => extra[i] ?? rng.int(V));
  const table = Tensor.from(dev, tV, [V, C], dtype);
  const ids = Tensor.from(dev, idV, idsShape, 'i32');
  const out = embedding(table, ids);
  expect(out.shape).toEqual([...idsShape, C]);
  const got = await out.read();
  const ref = embeddingRef(dtype === 'f32' ? tV : roundTo(tV, dtype), C, idV);
  expect(relError(got, ref), `seed ${seed} V=${V} C=${C} ${dtype} ids ${idV}`).toBe(0);
  const chunks = { table: table.chunks.length, out: out.chunks.length };
  for (const t of [table, ids, out]) t.dispose();
  return { got, chunks };
}

describe('embedding', () => {
  it.each(['f32', 'bf16', 'f16'] as const)('gathers the rows of a %s table exactly, first and last rows included', async (dtype) => {
    await check(device, 1000, 129, [7], dtype, [0, 999]);
    await check(device, 7, 1, [1], dtype);
  });

  it('keeps the shape of the ids and appends C', async () => {
    await check(device, 33, 7, [2, 3]);
  });

  it('gathers from a table split into several chunks, into a chunked output', async () => {
    const f32 = await check(chunked, 100, 37, [40], 'f32', [0, 26, 27, 53, 54, 99]);
    expect(f32.chunks.table).toBeGreaterThanOrEqual(3);
    expect(f32.chunks.out).toBeGreaterThanOrEqual(2);
    const bf16 = await check(chunked, 300, 37, [3, 9], 'bf16', [0, 53, 54, 55, 107, 108, 299]);
    expect(bf16.chunks.table).toBeGreaterThanOrEqual(3);
  });

  it('writes zeros for out-of-range ids in a tensor, chunked table too', async () => {
    for (const dev of [device, chunked]) {
      // The first gather leaves its output buffer dirty in the pool; the second reuses it.
      await check(dev, 100, 37, [4], 'f32', [1, 2, 3, 4]);
      const { got } = await check(dev, 100, 37, [4], 'f32', [-1, 100, 5, 2 ** 31 - 1]);
      expect(got.subarray(0, 37).every((v) => v === 0)).toBe(true);
      expect(got.subarray(37, 74).every((v) => v === 0)).toBe(true);
    }
  });

  it('takes ids as an array and validates them before any dispatch', async () => {
    const { rng, seed } = freshRng();
    const tV = rng.normals(50 * 9);
    const table = Tensor.from(device, tV, [50, 9]);
    expect(relError(await embedding(table, [3, 49, 0]).read(), embeddingRef(tV, 9, [3, 49, 0])), `seed ${seed}`).toBe(0);
    const before = device.recorder.dispatches;
    expect(() => embedding(table, [3, 50, 0])).toThrow(RangeError);
    expect(() => embedding(table, Int32Array.from([3, 1, -2]))).toThrow(/id -2 at position 2/);
    expect(device.recorder.dispatches).toBe(before);
  });

  it('validateIds names the offending id and position', () => {
    expect(() => validateIds([0, 1, 2], 3, 'prompt')).not.toThrow();
    expect(() => validateIds([0, 3], 3, 'prompt')).toThrow(/^prompt: id 3 at position 1/);
    expect(() => validateIds([0.5], 3, 'prompt')).toThrow(RangeError);
  });

  it('throws on a table that is not (V,C) float, or ids that are not i32', () => {
    const ids = Tensor.from(device, [1, 2], [2], 'i32');
    expect(() => embedding(Tensor.empty(device, [10]), ids)).toThrow(ShapeMismatchError);
    expect(() => embedding(Tensor.empty(device, [10]), ids)).toThrow(/\(10\)/);
    expect(() => embedding(Tensor.empty(device, [10, 4], 'i32'), ids)).toThrow(ShapeMismatchError);
    expect(() => embedding(Tensor.empty(device, [10, 4]), Tensor.empty(device, [2]))).toThrow(ShapeMismatchError);
  });
});
