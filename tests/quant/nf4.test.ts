import { describe, expect, it } from 'vitest';
import { dequantizeNF4, nf4Code, quantizeNF4 } from '../../src/quant/nf4.js';
import { NF4_CODEBOOK, nibbleAt } from '../../src/quant/layouts.js';
import { doubleQuantize } from '../../src/quant/blockwise8.js';
import { freshRng } from '../helpers/gpu.js';

/** bitsandbytes' get_4bit_type('nf4') table, as printed in bitsandbytes/functional.py. */
const BNB_NF4 = [
  -1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453, -0.28444138169288635, -0.18477343022823334,
  -0.09105003625154495, 0.0, 0.07958029955625534, 0.16093020141124725, 0.24611230194568634, 0.33791524171829224,
  0.44070982933044434, 0.5626170039176941, 0.7229568362236023, 1.0,
];

/** dQuantizeNF4's thresholds (csrc/kernels.cu), in tree order. */
const BNB_THRESHOLDS = [
  0.03979014977812767, 0.3893125355243683, 0.6427869200706482, 0.8614784181118011, 0.5016634166240692, 0.2035212516784668,
  0.2920137718319893, 0.1202552504837513, -0.33967943489551544, -0.13791173323988914, -0.045525018125772476,
  -0.23460740596055984, -0.6106329262256622, -0.4599952697753906, -0.8480964004993439,
];

/** The nearest code by brute force over the code book, ties to the lower code. */
function nearestCode(x: number): number {
  let best = 0;
  for (let c = 1; c < 16; c++) if (Math.abs(x - NF4_CODEBOOK[c]!) < Math.abs(x - NF4_CODEBOOK[best]!)) best = c;
  return best;
}

function nextUp(x: number): number {
  const f = new Float32Array([x]);
  const u = new Uint32Array(f.buffer);
  u[0]! += x >= 0 ? 1 : -1;
  return f[0]!;
}

describe('quantizeNF4 (bitsandbytes NF4)', () => {
  it('uses bitsandbytes’ code book, value for value in f32', () => {
    expect(Array.from(NF4_CODEBOOK)).toEqual(BNB_NF4.map(Math.fround));
  });

  it('puts its decision thresholds exactly on dQuantizeNF4’s f32 literals, ties going to the lower code', () => {
    for (const t of BNB_THRESHOLDS) {
      const at = Math.fround(t);
      expect(nf4Code(nextUp(at)), `just above ${t}`).toBe(nf4Code(at) + 1);
    }
  });

  it('encodes a hand-checked block: high nibble first, absmax per block', () => {
    const x = new Float32Array(64);
    const tie = Math.fround(0.03979014977812767);
    [1, -1, 0, 0.5, -0.5, 0.05, -0.05, 0.9, tie, nextUp(tie)].forEach((v, i) => (x[i] = 2 * v));
    const { codes, absmax } = quantizeNF4(x);
    expect(Array.from(absmax)).toEqual([2]);
    // codes 15,0 | 7,12 | 2,8 | 6,15 | 7,8 | then zeros → 7,7
    expect(Array.from(codes.subarray(0, 6))).toEqual([0xf0, 0x7c, 0x28, 0x6f, 0x78, 0x77]);
    const back = dequantizeNF4(codes, absmax, 64, 64);
    expect(back[3]).toBe(Math.fround(Math.fround(0.44070982933044434) * 2));
    expect(back[0]).toBe(2);
  });

  it('matches the nearest code of value·(1/absmax) on random blocks, with absmax exact', () => {
    const { rng, seed } = freshRng();
    const n = 64 * 37;
    const x = rng.normals(n, 0.02);
    const { codes, absmax } = quantizeNF4(x);
    for (let b = 0; b < n / 64; b++) {
      const block = x.subarray(b * 64, b * 64 + 64);
      expect(absmax[b], `seed ${seed}`).toBe(Math.max(...block.map(Math.abs)));
      const inv = Math.fround(1 / absmax[b]!);
      for (let i = 0; i < 64; i++) {
        const scaled = Math.fround(block[i]! * inv);
        const code = nibbleAt(codes, b * 64 + i, true);
        // Away from a midpoint, the tree is the nearest code.
        if (BNB_THRESHOLDS.every((t) => Math.abs(scaled - t) > 1e-6)) expect(code, `seed ${seed} value ${b * 64 + i}`).toBe(nearestCode(scaled));
      }
    }
  });

  it('dequantizes to code-book value · absmax and round-trips within half a code step', () => {
    const { rng, seed } = freshRng();
    const x = rng.normals(128 * 5);
    const { codes, absmax } = quantizeNF4(x, 128);
    const back = dequantizeNF4(codes, absmax, 128);
    for (let i = 0; i < x.length; i++) {
      const code = nibbleAt(codes, i, true);
      expect(back[i]).toBe(Math.fround(NF4_CODEBOOK[code]! * absmax[Math.floor(i / 128)]!));
      // The widest gap in the code book is −1 … −0.6962, so no value moves more than half of it.
      expect(Math.abs(back[i]! - x[i]!), `seed ${seed}`).toBeLessThanOrEqual(0.1520 * absmax[Math.floor(i / 128)]!);
    }
  });

  it('gives an all-zero block absmax 0 and code 0 (bitsandbytes’ 0·∞ = NaN path), dequantizing to zeros', () => {
    const { codes, absmax } = quantizeNF4(new Float32Array(64));
    expect(absmax[0]).toBe(0);
    expect(codes.every((b) => b === 0)).toBe(true);
    expect(dequantizeNF4(codes, absmax).every((v) => v === 0)).toBe(true);
  });

  it('rejects block sizes bitsandbytes lacks, no values, and too few codes for n', () => {
    expect(() => quantizeNF4(new Float32Array(96), 48)).toThrow(/48/);
    expect(() => quantizeNF4(new Float32Array(0))).toThrow(/no values/);
    expect(() => dequantizeNF4(new Uint8Array(49), new Float32Array(2), 64, 100)).toThrow(/cannot hold 100 values/);
  });
});

describe('quantizeNF4 with a partial last block, as bitsandbytes quantizes it', () => {
  it('3 values in a 64-block: absmax over them, the missing 4th value coded as 0 (code 7)', () => {
    const { codes, absmax } = quantizeNF4(Float32Array.from([1, -0.5, 0.25]), 64);
    expect([...absmax]).toEqual([1]);
    expect([...codes]).toEqual([0xf2, 0xa7]);
  });

  it.each([1, 63, 65, 127, 200, 333, 4099])('%i values give the codes and absmax of the same values zero-padded to whole blocks (the kernel pads with 0)', (n) => {
    const { rng, seed } = freshRng();
    const values = rng.normals(n);
    const padded = new Float32Array(Math.ceil(n / 64) * 64);
    padded.set(values);
    const partial = quantizeNF4(values, 64);
    const whole = quantizeNF4(padded, 64);
    expect([...partial.absmax], `seed ${seed}`).toEqual([...whole.absmax]);
    expect([...partial.codes], `seed ${seed}`).toEqual([...whole.codes.subarray(0, Math.ceil(n / 2))]);
    expect(dequantizeNF4(partial.codes, partial.absmax, 64, n), `seed ${seed}`).toEqual(dequantizeNF4(whole.codes, whole.absmax, 64, padded.length).subarray(0, n));
  });

  it.each([63, 4099, 64 * 300 + 5])('%i values double-quantize the ⌈n/64⌉ absmax (itself ending in a partial block of 256) as quantize_4bit does', (n) => {
    const { rng, seed } = freshRng();
    const values = rng.normals(n);
    const plain = quantizeNF4(values, 64);
    const q = quantizeNF4(values, 64, { doubleQuant: true });
    const expected = doubleQuantize(plain.absmax);
    expect(q.nested!.codes.length, `seed ${seed}`).toBe(Math.ceil(n / 64));
    expect(q.nested!.nestedAbsmax.length, `seed ${seed}`).toBe(Math.ceil(Math.ceil(n / 64) / 256));
    expect([...q.nested!.codes], `seed ${seed}`).toEqual([...expected.codes]);
    expect([...q.absmax], `seed ${seed}`).toEqual([...expected.dequantized]);
    expect([...q.codes], `seed ${seed}`).toEqual([...plain.codes]);
  });

  it('an all-zero partial block codes its padding as bitsandbytes does (0·∞ = NaN → code 0)', () => {
    expect([...quantizeNF4(new Float32Array(3), 64).codes]).toEqual([0x00, 0x00]);
  });
});
