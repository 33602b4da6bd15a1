// The 4-bit weight layouts, defined once: block size, code book, scale type, nibble order and
// checkpoint field names. The TS packers (nf4.ts, q4.ts) and the WGSL unpacker
// (shaders/lib/fourbit.wgsl, whose overrides and code-book table quant-tensor.ts fills from here)
// both take their constants from these objects.
//
// Both layouts quantize the weight flattened row-major, in blocks of `blockSize` consecutive
// values that share one scale; a block may straddle rows. A value is codebook[code] · scale.

export type QuantFormat = 'nf4' | 'q4';

export interface FourBitLayout {
  readonly format: QuantFormat;
  /** Consecutive values (of the flattened weight) sharing one scale. */
  readonly blockSize: number;
  /** Value of each 4-bit code before scaling. */
  readonly codebook: Float32Array;
  /** How the per-block scales are stored, on disk and on the GPU. */
  readonly scaleDType: 'f32' | 'f16';
  /** Value 2i sits in the high nibble of byte i (bitsandbytes), else in the low nibble. */
  readonly firstNibbleHigh: boolean;
  /** Checkpoint tensors beside `<layer>.weight` (the packed codes, stored as U8 [n/2, 1]). */
  readonly fields: { readonly scales: string; readonly quantMap?: string; readonly quantState: string };
}

/**
 * The NF4 code book: bitsandbytes' `get_4bit_type('nf4')` table in bitsandbytes/functional.py
 * (the same f32 literals as `dDequantizeNF4` in csrc/kernels.cu), built by `create_normal_map`
 * from quantiles of N(0,1) (QLoRA, arXiv:2305.14314). Index = code.
 */
export const NF4_CODEBOOK: Float32Array = Float32Array.from([
  -1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453, -0.28444138169288635, -0.18477343022823334,
  -0.09105003625154495, 0.0, 0.07958029955625534, 0.16093020141124725, 0.24611230194568634, 0.33791524171829224,
  0.44070982933044434, 0.5626170039176941, 0.7229568362236023, 1.0,
]);

/** bitsandbytes' block sizes for 4-bit weights (`quantize_4bit` asserts one of these). */
export const NF4_BLOCK_SIZES = [64, 128, 256, 512, 1024, 2048, 4096] as const;
export const Q4_GROUP_SIZES = [32, 128] as const;

/**
 * bitsandbytes NF4: absmax (f32) per block; nibble order from `kQuantizeBlockwise` (NF4 case):
 * `qvals[j] = dQuantizeNF4(vals[2j]·s) << 4 | dQuantizeNF4(vals[2j+1]·s)`, i.e. the FIRST value of
 * a pair in the HIGH nibble, and `kDequantizeBlockwise` reads `qvals[j] >> 4` first.
 */
export function nf4Layout(blockSize = 64): FourBitLayout {
  if (!(NF4_BLOCK_SIZES as readonly number[]).includes(blockSize)) {
    throw new RangeError(`NF4 block size ${blockSize} is not one of bitsandbytes' ${NF4_BLOCK_SIZES.join(', ')}`);
  }
  return {
    format: 'nf4',
    blockSize,
    codebook: NF4_CODEBOOK,
    scaleDType: 'f32',
    firstNibbleHigh: true,
    fields: { scales: 'absmax', quantMap: 'quant_map', quantState: 'quant_state.bitsandbytes__nf4' },
  };
}

/** int4 codes 0..15 stand for −8..7 (ggml's block_q4_0 offset of 8). */
export const Q4_CODEBOOK: Float32Array = Float32Array.from({ length: 16 }, (_, c) => c - 8);

/**
 * wgml q4: symmetric int4 groups with an f16 scale each (ggml block_q4_0's rule, see q4.ts). The
 * nibble order is bitsandbytes' too, so one unpacker serves both layouts.
 */
export function q4Layout(groupSize = 32): FourBitLayout {
  if (!(Q4_GROUP_SIZES as readonly number[]).includes(groupSize)) {
    throw new RangeError(`q4 group size ${groupSize} is not one of ${Q4_GROUP_SIZES.join(', ')}`);
  }
  return {
    format: 'q4',
    blockSize: groupSize,
    codebook: Q4_CODEBOOK,
    scaleDType: 'f16',
    firstNibbleHigh: true,
    fields: { scales: 'scales', quantState: 'quant_state.wgml__q4' },
  };
}

/** Bits per weight including the scales. */
export function bitsPerWeight(layout: FourBitLayout): number {
  return 4 + (layout.scaleDType === 'f32' ? 32 : 16) / layout.blockSize;
}

/** Throws unless `n` values split into whole blocks. */
export function assertWholeBlocks(n: number, blockSize: number, what: string): void {
  if (!Number.isInteger(n) || n <= 0 || n % blockSize !== 0) {
    throw new RangeError(`${what}: ${n} values do not split into blocks of ${blockSize}; use a length that is a multiple of the block size`);
  }
}

/** Packs codes (one per value, 0..15) two per byte in the layout's nibble order. */
export function packNibbles(codes: Uint8Array, firstNibbleHigh: boolean): Uint8Array {
  const out = new Uint8Array(Math.ceil(codes.length / 2));
  const [first, second] = firstNibbleHigh ? [4, 0] : [0, 4];
  for (let i = 0; i < codes.length; i += 2) out[i >> 1] = (codes[i]! << first) | ((codes[i + 1] ?? 0) << second);
  return out;
}

/** The code of value i in packed bytes. */
export function nibbleAt(packed: Uint8Array, i: number, firstNibbleHigh: boolean): number {
  const byte = packed[i >> 1]!;
  return (i & 1) === 0 === firstNibbleHigh ? byte >> 4 : byte & 15;
}

/**
 * Values codebook[code] · scale of `n` packed codes, in f32 arithmetic as the kernels do it.
 * The last block may be partial (n not a multiple of the block size), as bitsandbytes allows.
 */
export function dequantizeBlocks(layout: FourBitLayout, packed: Uint8Array, scales: Float32Array, n: number): Float32Array {
  if (!Number.isInteger(n) || n <= 0) throw new RangeError(`dequantize ${layout.format}: ${n} is not a positive count of values`);
  if (packed.length < Math.ceil(n / 2) || scales.length < Math.ceil(n / layout.blockSize)) {
    throw new RangeError(`dequantize ${layout.format}: ${packed.length} code bytes and ${scales.length} scales cannot hold ${n} values`);
  }
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = layout.codebook[nibbleAt(packed, i, layout.firstNibbleHigh)]! * scales[Math.floor(i / layout.blockSize)]!;
  return out;
}
