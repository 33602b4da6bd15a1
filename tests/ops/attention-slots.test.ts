import { describe, expect, it } from 'vitest';
import { attention } from '../../src/tensor/ops/attention.js';
import { writeKv } from '../../src/tensor/ops/kv-cache.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { attentionRef } from '../../src/cpu/attention.js';
import { freshRng, relError, testDevice } from '../helpers/gpu.js';

const device = await testDevice();

/** Rows `slots` of a (slots,S,row) cache, gathered into a (B,S,row) batch. */
function gather(cache: Float32Array, slots: readonly number[], S: number, row: number): Float32Array {
  const out = new Float32Array(slots.length * S * row);
  slots.forEach((s, b) => out.set(cache.subarray(s * S * row, (s + 1) * S * row), b * S * row));
  return out;
}

describe('attention over a slot cache', () => {
  it.each([
    ['decode', 1],
    ['prefill', 9],
  ])('%s rows read the slots the second kvLengths row names, as a gathered batch would', async (_, T) => {
    const { rng, seed } = freshRng();
    const [H, KV, D, S, slotCount] = [4, 2, 12, 23, 5];
    const slots = [4, 0, 2];
    const lengths = [T + 3, T, 20];
    const B = slots.length;
    const qV = rng.normals(B * T * H * D, 2);
    const kV = rng.normals(slotCount * S * KV * D);
    const vV = rng.normals(slotCount * S * KV * D);
    const q = Tensor.from(device, qV, [B, T, H, D]);
    const k = Tensor.from(device, kV, [slotCount, S, KV, D]);
    const v = Tensor.from(device, vV, [slotCount, S, KV, D]);
    const kvLengths = Tensor.from(device, [...lengths, ...slots], [2, B], 'i32');
    const { out } = attention(q, k, v, { kvLengths });
    const ref = attentionRef(qV, gather(kV, slots, S, KV * D), gather(vV, slots, S, KV * D), { B, T, H, KV, D, S }, { kvLengths: Int32Array.from(lengths) });
    expect(relError(await out.read(), ref.out), `seed ${seed}`).toBeLessThan(1e-5);
  });
});

describe('writeKv into a slot cache', () => {
  it('writes each sequence into the slot its offsets name and leaves other slots untouched', async () => {
    const { rng, seed } = freshRng();
    const [T, KV, D, S, slotCount] = [3, 2, 4, 8, 4];
    const row = KV * D;
    const x = rng.normals(2 * T * row);
    const before = rng.normals(slotCount * S * row);
    const cache = Tensor.from(device, before, [slotCount, S, KV, D]);
    // Sequence 0 into slot 3 at positions 5..7; sequence 1 into slot 1 at −1..1 (its first row dropped).
    writeKv(cache, Tensor.from(device, x, [2, T, KV, D]), Tensor.from(device, [5, -1, 3, 1], [2, 2], 'i32'));
    const want = Float32Array.from(before);
    for (let t = 0; t < T; t++) want.set(x.subarray(t * row, (t + 1) * row), (3 * S + 5 + t) * row);
    for (let t = 1; t < T; t++) want.set(x.subarray((T + t) * row, (T + t + 1) * row), (1 * S + t - 1) * row);
    expect([...(await cache.read())], `seed ${seed}`).toEqual([...want]);
  });
});
