import { describe, expect, it, vi } from 'vitest';
import { BindGroupCache } from '../../src/gpu/bind-groups.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { add } from '../../src/tensor/ops/elementwise.js';
import { testDevice } from '../helpers/gpu.js';

const device = await testDevice();
const kernel = device.kernels.get('elementwise', { OP: 0, B_DTYPE: 0 });
const storage = () => device.pool.acquire(1024);
const uniform = () => device.gpu.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM });

describe('BindGroupCache', () => {
  it('returns the group it made before for the same kernel, uniform block and buffers', () => {
    const cache = new BindGroupCache(device.gpu);
    const [u, a, b, c] = [uniform(), storage(), storage(), storage()];
    expect(cache.get(kernel, u, [a, b, c])).toBe(cache.get(kernel, u, [a, b, c]));
    expect(cache.size).toBe(1);
  });

  it('makes a new group when one buffer, its place or the uniform block differs', () => {
    const cache = new BindGroupCache(device.gpu);
    const [u, v, a, b, c, d] = [uniform(), uniform(), storage(), storage(), storage(), storage()];
    const first = cache.get(kernel, u, [a, b, c]);
    const others = [cache.get(kernel, u, [a, b, d]), cache.get(kernel, u, [b, a, c]), cache.get(kernel, v, [a, b, c])];
    for (const g of others) expect(g).not.toBe(first);
    expect(new Set(others).size).toBe(3);
  });

  it('makes groups anew after a clear, and a clear-if-full below the limit keeps them', () => {
    const cache = new BindGroupCache(device.gpu);
    const [u, a, b, c] = [uniform(), storage(), storage(), storage()];
    const first = cache.get(kernel, u, [a, b, c]);
    cache.clear(true);
    expect(cache.get(kernel, u, [a, b, c])).toBe(first);
    cache.clear();
    expect(cache.size).toBe(0);
    expect(cache.get(kernel, u, [a, b, c])).not.toBe(first);
  });
});

describe('Recorder bind groups', () => {
  it('creates no bind group when a step repeats on the same pool buffers, and computes the same values', async () => {
    const step = async () => {
      const x = Tensor.from(device, [1, 2, 3, 4], [4]);
      const y = add(x, x);
      const z = add(y, x);
      const out = Array.from(await z.read());
      for (const t of [x, y, z]) t.dispose();
      return out;
    };
    const first = await step();
    const spy = vi.spyOn(device.gpu, 'createBindGroup');
    const again = await step();
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
    expect(first).toEqual([3, 6, 9, 12]);
    expect(again).toEqual(first);
  });
});
