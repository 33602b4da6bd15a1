import { describe, expect, it } from 'vitest';
import { dequantizeQ4, quantizeQ4 } from '../../src/quant/q4.js';
import { f16ToF32 } from '../../src/io/dtype.js';
import { freshRng } from '../helpers/gpu.js';

describe('quantizeQ4 (symmetric int4 groups, f16 scales)', () => {
  it('encodes a hand-checked group: scale = extreme / −8, codes offset by 8', () => {
    const x = new Float32Array(32);
    [8, -7, 0, 3.5, 1].forEach((v, i) => (x[i] = v));
    const { codes, scales } = quantizeQ4(x);
    expect(f16ToF32(scales[0]!)).toBe(-1);
    // codes 0,15 | 8,5 | 7,8
    expect(Array.from(codes.subarray(0, 3))).toEqual([0x0f, 0x85, 0x78]);
    expect(Array.from(dequantizeQ4(codes, scales).subarray(0, 5))).toEqual([8, -7, -0, 3, 1]);
  });

  it.each([32, 128])('round-trips groups of %i within one scale step', (g) => {
    const { rng, seed } = freshRng();
    const x = rng.normals(g * 9);
    const { codes, scales } = quantizeQ4(x, g);
    const back = dequantizeQ4(codes, scales, g);
    for (let i = 0; i < x.length; i++) {
      const d = Math.abs(f16ToF32(scales[Math.floor(i / g)]!));
      expect(Math.abs(back[i]! - x[i]!), `seed ${seed} value ${i}`).toBeLessThanOrEqual(1.01 * d);
    }
  });

  it('rejects group sizes other than 32 and 128, and lengths they do not divide', () => {
    expect(() => quantizeQ4(new Float32Array(128), 64)).toThrow(/64/);
    expect(() => quantizeQ4(new Float32Array(40))).toThrow(/40 values.*blocks of 32/);
  });
});
