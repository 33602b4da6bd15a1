// bitsandbytes NF4, bit for bit: absmax per block of consecutive values, each value scaled by
// the f32 reciprocal of its absmax and rounded to a code by dQuantizeNF4's decision tree.
import { doubleQuantize, type NestedAbsmax } from './blockwise8.js';
import { dequantizeBlocks, NF4_CODEBOOK, nf4Layout, packNibbles } from './layouts.js';

const f32 = Math.fround;

/**
 * dQuantizeNF4's thresholds (csrc/kernels.cu): midpoints of neighbouring code-book values, which
 * test_normal_map_tree computed in f64 and the CUDA source writes as f32 literals.
 */
const MIDPOINTS: Float32Array = Float32Array.from({ length: 15 }, (_, i) => f32((NF4_CODEBOOK[i]! + NF4_CODEBOOK[i + 1]!) / 2));

/**
 * The nearest code of a normalized value, walking dQuantizeNF4's tree: strict `x > threshold`
 * at each node, so a value exactly on a midpoint takes the lower code, and NaN (0·∞ from an
 * all-zero block) falls through every test to code 0.
 */
export function nf4Code(x: number): number {
  let lo = 0;
  for (let span = 8; span >= 1; span >>= 1) if (x > MIDPOINTS[lo + span - 1]!) lo += span;
  return lo;
}

export interface NF4Quantized {
  /** Two codes per byte, the first of each pair in the high nibble. */
  codes: Uint8Array;
  /** Per block, max |value| as f32. */
  absmax: Float32Array;
  /** With doubleQuant: absmax quantized again (then `absmax` holds what dequantizing it gives back). */
  nested?: NestedAbsmax;
}

export interface NF4Options {
  /** bitsandbytes' compress_statistics: absmax minus its mean, 8-bit dynamic blockwise (256). */
  doubleQuant?: boolean;
}

/**
 * values (n) → packed codes (⌈n/2⌉ bytes) and absmax (⌈n/blocksize⌉), as bitsandbytes'
 * quantize_4bit(quant_type='nf4'). A partial last block is quantized as kQuantizeBlockwise
 * does: its absmax over the values present, and an odd n's missing last value loaded as 0
 * (so its nibble is the code of 0·(1/absmax)).
 */
export function quantizeNF4(values: Float32Array, blocksize = 64, options: NF4Options = {}): NF4Quantized {
  nf4Layout(blocksize);
  if (values.length === 0) throw new RangeError('quantizeNF4: no values to quantize');
  const n = values.length;
  const codes = new Uint8Array(n + (n % 2));
  const absmax = new Float32Array(Math.ceil(n / blocksize));
  for (let b = 0; b < absmax.length; b++) {
    const start = b * blocksize;
    const end = Math.min(n, start + blocksize);
    let max = 0;
    // fmaxf semantics: a NaN value never becomes the max.
    for (let i = start; i < end; i++) if (Math.abs(values[i]!) > max) max = Math.abs(values[i]!);
    absmax[b] = max;
    const inv = f32(1 / max);
    for (let i = start; i < Math.min(codes.length, start + blocksize); i++) codes[i] = nf4Code(f32((values[i] ?? 0) * inv));
  }
  const packed = packNibbles(codes, true);
  if (!options.doubleQuant) return { codes: packed, absmax };
  const nested = doubleQuantize(absmax);
  return { codes: packed, absmax: nested.dequantized, nested };
}

/** Packed codes + absmax → n values, code-book value · absmax in f32 (kDequantizeBlockwise, NF4). */
export function dequantizeNF4(codes: Uint8Array, absmax: Float32Array, blocksize = 64, n = codes.length * 2): Float32Array {
  return dequantizeBlocks(nf4Layout(blocksize), codes, absmax, n);
}
