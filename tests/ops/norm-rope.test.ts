import { describe, expect, it } from 'vitest';
import { rmsNormRef } from '../../src/cpu/rmsnorm.js';
import { ropeRef } from '../../src/cpu/rope.js';
import { ShapeMismatchError } from '../../src/errors.js';
import { normRope, normRopeIntoCache } from '../../src/tensor/ops/rope.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { freshRng, relError, testDevice } from '../helpers/gpu.js';
import { checkNormRope, checkNormRopeIntoCache, type HeadsCase } from '../helpers/row-checks.js';

const device = await testDevice();

describe('normRope (inference q and k heads)', () => {
  it.each<HeadsCase>([
    { B: 1, T: 1, H: 8, D: 64, positions: [17], norm: 'f32' },
    { B: 2, T: 5, H: 3, D: 6, positions: [0, 1, 2, 3, 4, 900, 901, 902, 903, 904], norm: 'bf16' },
    { B: 3, T: 2, H: 2, D: 128, positions: [4000, 4001, 5, 6, 31999, 32000], norm: 'f32' },
    { B: 2, T: 3, H: 5, D: 10, positions: [1, 2, 3, 7, 8, 9] },
  ])('matches rmsNorm per head then RoPE in the reference at B $B, T $T, H $H, D $D, norm $norm', async (c) => {
    await checkNormRope(device, c);
  });

  it('refuses a norm weight that is not (head_dim), naming both shapes', () => {
    const x = Tensor.empty(device, [1, 2, 3, 8]);
    const weight = Tensor.empty(device, [4]);
    expect(() => normRope(x, { weight, eps: 1e-6 }, { theta: 1e6 })).toThrow(ShapeMismatchError);
    expect(() => normRope(x, { weight, eps: 1e-6 }, { theta: 1e6 })).toThrow(/\(4\).*8.*\(1,2,3,8\)/);
  });
});

describe('normRopeIntoCache (inference k)', () => {
  it.each<HeadsCase & { S: number; offsets: number[] }>([
    { B: 1, T: 1, H: 4, D: 64, S: 9, positions: [5], offsets: [5], norm: 'f32' },
    // Left-padded prefill: sequence 0's first two rows fall before its cache and are dropped.
    { B: 2, T: 4, H: 3, D: 6, S: 7, positions: [0, 0, 0, 1, 3, 4, 5, 6], offsets: [-2, 3], norm: 'bf16' },
    { B: 2, T: 3, H: 2, D: 10, S: 4, positions: [2, 3, 4, 0, 1, 2], offsets: [2, 0] },
  ])('writes what writeKv would write of the normed, rotated heads at B $B, T $T, S $S, offsets $offsets', async (c) => {
    await checkNormRopeIntoCache(device, c);
  });

  it('writes each sequence into its own slot when the offsets carry a slot row', async () => {
    const { rng } = freshRng();
    const [H, D, S] = [2, 8, 5];
    const xV = rng.normals(2 * H * D);
    const wV = rng.normals(D);
    const x = Tensor.from(device, xV, [2, 1, H, D]);
    const weight = Tensor.from(device, wV, [D]);
    const positions = Tensor.from(device, [3, 1], [2, 1], 'i32');
    const cache = Tensor.from(device, new Float32Array(3 * S * H * D), [3, S, H, D]);
    // Sequence 0 at position 3 of slot 2, sequence 1 at position 1 of slot 0.
    const offsets = Tensor.from(device, [3, 1, 2, 0], [2, 2], 'i32');
    normRopeIntoCache(x, { weight, eps: 1e-6 }, cache, offsets, { theta: 1e6, positions });
    const ref = ropeRef(rmsNormRef(xV, wV, 1e-6).y, { B: 2, T: 1, H, D }, 1e6, Int32Array.from([3, 1]));
    const got = await cache.read();
    const row = H * D;
    expect(relError(got.subarray((2 * S + 3) * row, (2 * S + 4) * row), ref.subarray(0, row))).toBeLessThan(1e-5);
    expect(relError(got.subarray(1 * row, 2 * row), ref.subarray(row, 2 * row))).toBeLessThan(1e-5);
    expect(got.filter((v) => v !== 0).length).toBe(2 * row);
    for (const t of [x, weight, positions, cache, offsets]) t.dispose();
  });

  it('refuses a cache whose heads or head_dim differ from x, naming both shapes', () => {
    const x = Tensor.empty(device, [1, 1, 2, 8]);
    const cache = Tensor.empty(device, [1, 4, 3, 8]);
    expect(() => normRopeIntoCache(x, undefined, cache, 0, { theta: 1e6 })).toThrow(/normRopeIntoCache: .*\(1,4,3,8\).*\(1,1,2,8\)/);
  });
});
