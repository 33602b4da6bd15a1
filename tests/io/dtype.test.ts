import { describe, expect, it } from 'vitest';
import { bf16ArrayToF32, bf16ToF32, f16ToF32, f32ArrayToBf16, f32ToBf16, f32ToF16 } from '../../src/io/dtype.js';

function fromBits(bits: number): number {
  return new Float32Array(new Uint32Array([bits]).buffer)[0];
}

const hex = (n: number): string => `0x${n.toString(16).padStart(4, '0')}`;

describe('f32 → bf16 rounds to nearest, ties to even', () => {
  it.each([
    ['exact value', 0x3f800000, 0x3f80],
    ['just below half an ulp rounds down', 0x3f807fff, 0x3f80],
    ['just above half an ulp rounds up', 0x3f808001, 0x3f81],
    ['a tie with an even kept half stays', 0x3f808000, 0x3f80],
    ['a tie with an odd kept half rounds up to even', 0x3f818000, 0x3f82],
    ['a carry out of the mantissa bumps the exponent', 0x3fffffff, 0x4000],
    ['the largest finite f32 overflows to infinity', 0x7f7fffff, 0x7f80],
    ['negative zero keeps its sign', 0x80000000, 0x8000],
    ['negative values round by magnitude', 0xbf808001, 0xbf81],
  ])('%s', (_, f32, bf16) => {
    expect(hex(f32ToBf16(fromBits(f32)))).toBe(hex(bf16));
  });

  it('a NaN whose payload sits only in the dropped bits stays NaN instead of becoming infinity', () => {
    const out = f32ToBf16(fromBits(0x7f800001));
    expect(Number.isNaN(bf16ToF32(out))).toBe(true);
  });

  it('the array conversion agrees with the scalar one', () => {
    const values = new Float32Array([1, -2.5, 3.14159, 1e-30, 65504.7, -0]);
    expect([...f32ArrayToBf16(values)]).toEqual([...values].map(f32ToBf16));
  });
});

describe('bf16 → f32', () => {
  it('is the bf16 bits placed in the top half of an f32', () => {
    expect(bf16ToF32(0x3f80)).toBe(1);
    expect(bf16ToF32(0xc049)).toBe(-3.140625);
    expect(bf16ToF32(0xff80)).toBe(-Infinity);
  });

  it('every bf16 pattern survives a round trip through f32', () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const back = f32ArrayToBf16(bf16ArrayToF32(all));
    const nonNaNMismatches = [...all].filter((b, i) => back[i] !== b && !Number.isNaN(bf16ToF32(b)));
    expect(nonNaNMismatches).toEqual([]);
  });
});

describe('f16 conversion', () => {
  it.each([
    ['one', 1, 0x3c00],
    ['the largest finite f16', 65504, 0x7bff],
    ['just below the overflow tie', 65519, 0x7bff],
    ['the overflow tie rounds to even, which is infinity', 65520, 0x7c00],
    ['a tie between 1 and the next f16 stays at 1 (even)', 1 + 2 ** -11, 0x3c00],
    ['a tie above an odd mantissa rounds up', 1 + 3 * 2 ** -11, 0x3c02],
    ['the smallest normal', 2 ** -14, 0x0400],
    ['the smallest subnormal', 2 ** -24, 0x0001],
    ['the largest subnormal', 1023 * 2 ** -24, 0x03ff],
    ['a subnormal tie that rounds up into the normals', 1023.5 * 2 ** -24, 0x0400],
    ['half the smallest subnormal is a tie that rounds to zero', 2 ** -25, 0x0000],
    ['just above half the smallest subnormal rounds up to it', 1.5 * 2 ** -25, 0x0001],
    ['a value far below the subnormals becomes signed zero', -1e-30, 0x8000],
    ['infinity', Infinity, 0x7c00],
    ['negative infinity', -Infinity, 0xfc00],
    ['a finite f32 beyond the f16 range', -1e10, 0xfc00],
  ])('f32 → f16: %s', (_, value, bits) => {
    expect(hex(f32ToF16(value))).toBe(hex(bits));
  });

  it('NaN stays NaN', () => {
    const bits = f32ToF16(NaN);
    expect(bits & 0x7c00).toBe(0x7c00);
    expect(bits & 0x03ff).not.toBe(0);
  });

  it.each([
    [0x0001, 2 ** -24],
    [0x03ff, 1023 * 2 ** -24],
    [0x0400, 2 ** -14],
    [0x3555, 0.333251953125],
    [0xc000, -2],
    [0x8000, -0],
    [0x7c00, Infinity],
  ])('f16 %#x → f32 %s', (bits, value) => {
    expect(Object.is(f16ToF32(bits), value)).toBe(true);
  });

  it('every non-NaN f16 pattern survives a round trip through f32', () => {
    const mismatches: number[] = [];
    for (let bits = 0; bits < 65536; bits++) {
      const value = f16ToF32(bits);
      if (!Number.isNaN(value) && f32ToF16(value) !== bits) mismatches.push(bits);
    }
    expect(mismatches).toEqual([]);
  });
});
