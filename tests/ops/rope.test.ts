import { describe, expect, it } from 'vitest';
import { applyRope, ropeInvFreq } from '../../src/tensor/ops/rope.js';
import { Tensor, type Shape } from '../../src/tensor/tensor.js';
import { ShapeMismatchError } from '../../src/errors.js';
import { testDevice } from '../helpers/gpu.js';
import { checkRope } from '../helpers/row-checks.js';

const device = await testDevice();
/** 4 KiB bindings: x (20,4,64) f32 splits into 5 chunks of (token, head) rows. */
const chunked = await testDevice({ maxBindingBytes: 4096 });

describe('applyRope', () => {
  it('computes inv_freq with the f32 roundings of HF (values from numpy float32, theta 1e6, D 128)', () => {
    const f = ropeInvFreq(1e6, 128);
    expect(f[0]).toBe(1);
    expect(f[1]).toBe(0x19c975a / 2 ** 25);
    expect(f[17]).toBe(0x1a18350 / 2 ** 30);
    expect(f[63]).toBe(0x14d1c98 / 2 ** 44);
  });

  it.each([[[1, 1, 2]], [[7, 3, 64]], [[129, 2, 128]], [[2, 5, 3, 6]], [[3, 7, 2, 128]]] as [Shape][])(
    'matches the reference at %j from position 0',
    async (shape) => {
      await checkRope(device, shape, { theta: 10000 });
    },
  );

  it('leaves position 0 unchanged', async () => {
    const xV = Float32Array.from({ length: 2 * 8 }, (_, i) => i - 5);
    const y = applyRope(Tensor.from(device, xV, [1, 2, 8]), { theta: 10000 });
    expect([...(await y.read())]).toEqual([...xV]);
  });

  it('matches the reference at large positions (offset 4000 and 32000, theta 1e6 and 1e4)', async () => {
    await checkRope(device, [7, 3, 128], { offset: 4000 });
    await checkRope(device, [5, 2, 128], { offset: 32000, theta: 10000 });
  });

  it('takes one position per token for ragged batched decode', async () => {
    await checkRope(device, [3, 1, 5, 128], { positions: [5, 4000, 17] });
    await checkRope(device, [2, 7, 3, 64], { positions: [0, 1, 2, 3, 4, 5, 6, 900, 901, 902, 903, 904, 905, 906] });
    await checkRope(device, [4, 2, 64], { positions: [31999, 3, 70000, 0] });
  });

  it('runs per chunk on an x split across bindings', async () => {
    expect((await checkRope(chunked, [20, 4, 64], { offset: 123 })).chunks).toBeGreaterThanOrEqual(3);
    await checkRope(chunked, [2, 10, 4, 64], { positions: Array.from({ length: 20 }, (_, i) => 3 * i + 1) });
  });

  it('throws naming both shapes when positions do not match the tokens of x', () => {
    const x = Tensor.empty(device, [2, 5, 3, 8]);
    const positions = Tensor.empty(device, [5], 'i32');
    expect(() => applyRope(x, { theta: 1e4, positions })).toThrow(ShapeMismatchError);
    expect(() => applyRope(x, { theta: 1e4, positions })).toThrow(/\(5\).*\(2,5\).*\(2,5,3,8\)/);
    expect(() => applyRope(x, { theta: 1e4, positions: Tensor.empty(device, [2, 5]) })).toThrow(ShapeMismatchError);
  });

  it('throws on an odd or oversized head_dim, a rank-2 x and a non-f32 x', () => {
    expect(() => applyRope(Tensor.empty(device, [4, 2, 7]), { theta: 1e4 })).toThrow(/\(4,2,7\)/);
    expect(() => applyRope(Tensor.empty(device, [1, 1, 258]), { theta: 1e4 })).toThrow(ShapeMismatchError);
    expect(() => applyRope(Tensor.empty(device, [4, 8]), { theta: 1e4 })).toThrow(ShapeMismatchError);
    expect(() => applyRope(Tensor.empty(device, [4, 2, 8], 'bf16'), { theta: 1e4 })).toThrow(ShapeMismatchError);
  });

  it('rejects a negative offset, and an offset together with positions', () => {
    const x = Tensor.empty(device, [4, 2, 8]);
    expect(() => applyRope(x, { theta: 1e4, offset: -1 })).toThrow(RangeError);
    expect(() => applyRope(x, { theta: 1e4, offset: 3, positions: Tensor.empty(device, [4], 'i32') })).toThrow(TypeError);
  });
});
