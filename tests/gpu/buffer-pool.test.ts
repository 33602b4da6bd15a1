import { describe, expect, it } from 'vitest';
import { Tensor } from '../../src/tensor/tensor.js';
import { scale } from '../../src/tensor/ops/elementwise.js';
import { testDevice } from '../helpers/gpu.js';

const device = await testDevice();
const pool = device.pool;
/** A size no other test here uses, so the free list holds only this test's buffers. */
let nextSize = 1 << 16;
const freshSize = () => (nextSize += 256);

describe('BufferPool', () => {
  it('hands out the oldest free buffer of a size, whatever order they were freed in', () => {
    const size = freshSize();
    const [a, b, c] = [pool.acquire(size), pool.acquire(size), pool.acquire(size)];
    for (const order of [[a, b, c], [c, a, b], [b, c, a]]) {
      for (const buffer of order) pool.release(buffer);
      expect([pool.acquire(size), pool.acquire(size), pool.acquire(size)]).toEqual([a, b, c]);
    }
  });

  it('uploads into a buffer freed before the last submission rather than creating one', async () => {
    const size = freshSize();
    const freed = pool.acquire(size);
    pool.release(freed);
    device.flush();
    const values = Float32Array.from({ length: size / 4 }, (_, i) => i);
    const t = Tensor.from(device, values, [size / 4]);
    expect(t.buffer).toBe(freed);
    expect(await t.read()).toEqual(values);
  });

  it('never uploads into a buffer freed since the last submission, which recorded work may still read', async () => {
    const n = freshSize() / 4;
    const before = Float32Array.from({ length: n }, (_, i) => i);
    const x = Tensor.from(device, before, [n]);
    const buffer = x.buffer;
    const y = scale(x, 1);
    x.dispose();
    const after = Tensor.from(device, new Float32Array(n).fill(-1), [n]);
    expect(after.buffer).not.toBe(buffer);
    expect(await y.read()).toEqual(before);
    expect(Array.from(await after.read()).every((v) => v === -1)).toBe(true);
  });
});
