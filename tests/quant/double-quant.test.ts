import { describe, expect, it } from 'vitest';
import { createDynamicMap, dynamicCode, quantizeBlockwise8, dequantizeBlockwise8, torchLinspaceF32 } from '../../src/quant/blockwise8.js';
import { quantizeNF4 } from '../../src/quant/nf4.js';
import { freshRng } from '../helpers/gpu.js';

describe('double quantization of absmax (bitsandbytes nested 8-bit dynamic, blocksize 256)', () => {
  it('builds create_dynamic_map: 256 sorted values, 0 and 1 once, mirrored, 127 per sign', () => {
    const map = createDynamicMap();
    expect(map.length).toBe(256);
    expect(map[127]).toBe(0);
    expect(map[255]).toBe(1);
    // The largest mean below 1: (linspace(0.1,1,65)[63] + 1) / 2 in f32.
    expect(map[0]).toBeCloseTo(-0.99296875, 7);
    for (let i = 1; i < 256; i++) expect(map[i]).toBeGreaterThan(map[i - 1]!);
    for (let i = 0; i < 127; i++) expect(map[i]).toBe(-map[254 - i]!);
    // The smallest magnitude: 1e-6 · (0.1 + 1)/2 in f32.
    expect(map[128]).toBe(Math.fround(Math.fround(1e-6) * 0.550000011920929));
  });

  it('follows torch.linspace’s f32 halves (count up from start, down from end)', () => {
    const l = torchLinspaceF32(0.1, 1, 9, 1);
    expect(l[0]).toBe(Math.fround(0.1));
    expect(l[8]).toBe(1);
    expect(l[4]).toBe(Math.fround(1 - Math.fround(Math.fround(0.9 / 8) * 4)));
  });

  it('maps every code-map value to its own index (dQuantize’s search)', () => {
    const map = createDynamicMap();
    for (let i = 0; i < 256; i++) expect(dynamicCode(map, map[i]!)).toBe(i);
  });

  it('takes a partial last block’s absmax over its own values only', () => {
    const values = new Float32Array(300).fill(0.5);
    values[10] = -4;
    values[299] = 0.75;
    const q = quantizeBlockwise8(values, createDynamicMap());
    expect(Array.from(q.absmax)).toEqual([4, 0.75]);
    expect(dequantizeBlockwise8(q, createDynamicMap())[299]).toBe(0.75);
  });

  it('round-trips absmax within half a step of the dynamic map (≤ 0.71% of each block’s range)', () => {
    const { rng, seed } = freshRng();
    const values = rng.normals(64 * 700, 0.05); // 700 absmax values: two full nested blocks and a partial one
    const plain = quantizeNF4(values);
    const dq = quantizeNF4(values, 64, { doubleQuant: true });
    expect(dq.codes).toEqual(plain.codes);
    const nested = dq.nested!;
    expect(nested.codes.length).toBe(700);
    expect(nested.nestedAbsmax.length).toBe(3);
    expect(nested.offset).toBe(Math.fround(plain.absmax.reduce((s, v) => s + v, 0) / 700));
    for (let i = 0; i < 700; i++) {
      const range = nested.nestedAbsmax[Math.floor(i / 256)]!;
      expect(Math.abs(dq.absmax[i]! - plain.absmax[i]!), `seed ${seed} absmax ${i}`).toBeLessThanOrEqual(0.00705 * range + 1e-7);
    }
  });
});
