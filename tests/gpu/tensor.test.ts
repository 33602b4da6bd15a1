import { describe, expect, it } from 'vitest';
import { Tensor } from '../../src/tensor/tensor.js';
import { roundTo } from '../../src/tensor/half.js';
import { scale } from '../../src/tensor/ops/elementwise.js';
import { freshRng, testDevice } from '../helpers/gpu.js';

const device = await testDevice();
const small = await testDevice({ maxBindingBytes: 1024 });

describe('Tensor', () => {
  it.each(['f32', 'bf16', 'f16'] as const)('round-trips %s values (odd length) through the GPU', async (dtype) => {
    const { rng } = freshRng();
    const values = rng.normals(1001);
    const t = Tensor.from(device, values, [7, 143], dtype);
    const expected = dtype === 'f32' ? values : roundTo(values, dtype);
    expect(await t.read()).toEqual(expected);
  });

  it.each(['i32', 'u32'] as const)('round-trips %s values', async (dtype) => {
    const values = dtype === 'i32' ? [-5, 0, 7, 2 ** 31 - 1] : [0, 1, 2 ** 32 - 1, 12345];
    expect(Array.from(await Tensor.from(device, values, [4], dtype).read())).toEqual(values);
  });

  it('splits storage into row chunks that each fit one binding and reads them back in order', async () => {
    const values = Float32Array.from({ length: 129 * 7 }, (_, i) => i);
    const t = Tensor.from(small, values, [129, 7]);
    expect(t.chunks.length).toBe(Math.ceil(129 / Math.floor(1024 / 28)));
    for (const c of t.chunks) expect(c.rows * 7 * 4).toBeLessThanOrEqual(1024);
    expect(t.chunks.map((c) => c.rowStart)).toEqual(t.chunks.map((_, i) => i * t.chunks[0]!.rows));
    expect(await t.read()).toEqual(values);
  });

  it('keeps 16-bit chunks whole words when a row has an odd number of values', async () => {
    const { rng } = freshRng();
    const values = rng.normals(101 * 33);
    const t = Tensor.from(small, values, [101, 33], 'bf16');
    for (const c of t.chunks.slice(0, -1)) expect((c.rows * 33) % 2).toBe(0);
    expect(t.chunks.length).toBeGreaterThan(2);
    expect(await t.read()).toEqual(roundTo(values, 'bf16'));
  });

  it('refuses a row larger than the binding limit, naming the size', () => {
    expect(() => Tensor.empty(small, [2, 300])).toThrow(/300 f32 values exceeds the 1024-byte binding limit/);
  });

  it('reuses a disposed buffer of the same size from the pool', () => {
    const a = Tensor.empty(device, [64, 64]);
    const buffer = a.buffer;
    a.dispose();
    const b = Tensor.empty(device, [64, 64]);
    expect(b.buffer).toBe(buffer);
    b.dispose();
  });

  it('frees storage only when the last reshaped view is disposed', () => {
    const before = device.pool.stats.liveBytes;
    const a = Tensor.empty(device, [8, 16]);
    const view = a.reshape([2, 4, 16]);
    a.dispose();
    expect(device.pool.stats.liveBytes).toBeGreaterThan(before);
    view.dispose();
    expect(device.pool.stats.liveBytes).toBe(before);
  });

  it('reports a reshaped view\'s chunk in rows of its own last dimension', () => {
    const flat = Tensor.empty(device, [3, 64]);
    const heads = flat.reshape([1, 3, 4, 16]);
    expect(heads.chunks.map((c) => [c.rowStart, c.rows])).toEqual([[0, 12]]);
  });

  it('overwrites its values in place after work recorded before the write', async () => {
    const values = Float32Array.from({ length: 129 * 7 }, (_, i) => i);
    const t = Tensor.from(small, values, [129, 7]);
    const before = scale(t, 1);
    t.write(new Float32Array(129 * 7).fill(2));
    expect(await before.read()).toEqual(values);
    expect(Array.from(await t.read()).every((v) => v === 2)).toBe(true);
  });

  it('throws when a disposed tensor is used', () => {
    const a = Tensor.empty(device, [4]);
    a.dispose();
    expect(() => a.buffer).toThrow(/used after dispose/);
  });

  it('rejects data that does not fill the shape, naming it', () => {
    expect(() => Tensor.from(device, [1, 2, 3], [2, 2])).toThrow(/3 values do not fill shape \(2,2\)/);
  });
});
