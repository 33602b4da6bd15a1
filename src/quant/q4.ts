// wgml q4: symmetric int4 groups with an f16 scale, ggml's block_q4_0 rule. The scale is the
// group's signed extreme divided by −8, so that extreme lands exactly on code 0 (−8·d) and the
// other side keeps 7 steps; codes are rounded against the f16 scale the kernels will use.
import { f16ToF32, f32ToF16 } from '../io/dtype.js';
import { assertWholeBlocks, dequantizeBlocks, packNibbles, q4Layout } from './layouts.js';

const f32 = Math.fround;

export interface Q4Quantized {
  /** Two codes per byte, first of each pair in the high nibble (layouts.ts). */
  codes: Uint8Array;
  /** f16 bits, one per group. */
  scales: Uint16Array;
}

/** values (n, a multiple of groupSize) → packed codes and f16 scales. */
export function quantizeQ4(values: Float32Array, groupSize = 32): Q4Quantized {
  q4Layout(groupSize);
  assertWholeBlocks(values.length, groupSize, 'quantizeQ4');
  const codes = new Uint8Array(values.length);
  const scales = new Uint16Array(values.length / groupSize);
  for (let g = 0; g < scales.length; g++) {
    const start = g * groupSize;
    let extreme = 0;
    for (let i = start; i < start + groupSize; i++) if (Math.abs(values[i]!) > Math.abs(extreme)) extreme = values[i]!;
    scales[g] = f32ToF16(extreme / -8);
    const d = f16ToF32(scales[g]!);
    const inv = d === 0 ? 0 : f32(1 / d);
    for (let i = start; i < start + groupSize; i++) codes[i] = Math.min(15, Math.max(0, Math.floor(f32(values[i]! * inv) + 8.5)));
  }
  return { codes: packNibbles(codes, true), scales };
}

/** Packed codes + f16 scale bits → n values, (code − 8) · scale in f32. */
export function dequantizeQ4(codes: Uint8Array, scales: Uint16Array, groupSize = 32, n = codes.length * 2): Float32Array {
  return dequantizeBlocks(q4Layout(groupSize), codes, Float32Array.from(scales, f16ToF32), n);
}
