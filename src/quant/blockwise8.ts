// bitsandbytes' 8-bit blockwise "dynamic" quantization, used to compress NF4's absmax (double
// quantization, QLoRA §3): create_dynamic_map, kQuantizeBlockwise's General8bit case and
// dQuantize's binary search, reproduced in f32 arithmetic.

const f32 = Math.fround;

/** bitsandbytes quantizes the absmax of 4-bit weights in blocks of 256 (quantize_4bit, compress_statistics). */
export const NESTED_BLOCK_SIZE = 256;

/**
 * torch.linspace(start, end, steps, dtype=float32) as ATen's CPU kernel computes it: the first
 * half counts up from start, the second down from end, in f32. Its vectorized path fills
 * `lanes` values from one base (`base + k·step`), so the last bit of some values depends on the
 * CPU build: 8 lanes for AVX2 and ARM (the default here), 16 for AVX-512, 1 for the scalar path.
 */
export function torchLinspaceF32(start: number, end: number, steps: number, lanes = 8): Float32Array {
  const s = f32(start);
  const e = f32(end);
  const step = f32(f32(e - s) / (steps - 1));
  const half = Math.floor(steps / 2);
  const at = (i: number) => (i < half ? f32(s + f32(step * i)) : f32(e - f32(step * (steps - i - 1))));
  const out = new Float32Array(steps);
  let i = 0;
  // ATen's vectorized_loop takes two vectors per iteration and leaves the tail to the scalar loop.
  if (lanes > 1) {
    for (; i + 2 * lanes <= steps; i += 2 * lanes) {
      for (const v of [i, i + lanes]) for (let k = 0, base = at(v); k < lanes; k++) out[v + k] = f32(base + f32(k * step));
    }
  }
  for (; i < steps; i++) out[i] = at(i);
  return out;
}

/** Decimal scales 10^(i−6) of create_dynamic_map, written out so no pow() rounding can differ. */
const DECADES = [1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1];

/**
 * bitsandbytes' create_dynamic_map(signed=True, max_exponent_bits=7, total_bits=8): for each
 * decade 10^(i−6), 2^i means of a float32 linspace(0.1, 1) (× the decade in f32), mirrored
 * negative, plus 0 and 1, sorted: 256 values in [-1, 1].
 */
export function createDynamicMap(lanes = 8): Float32Array {
  const data: number[] = [];
  DECADES.forEach((decade, i) => {
    const b = torchLinspaceF32(0.1, 1, 2 ** i + 1, lanes);
    for (let j = 0; j + 1 < b.length; j++) {
      const mean = f32(f32(b[j]! + b[j + 1]!) / 2);
      data.push(f32(f32(decade) * mean), -f32(f32(decade) * mean));
    }
  });
  data.push(0, 1);
  return Float32Array.from(data.sort((a, b) => a - b));
}

/** dQuantize<0> (csrc/kernels.cu): a 7-step binary search from code[127], then the nearer of the two neighbours by f32 midpoint. */
export function dynamicCode(code: Float32Array, x: number): number {
  let pivot = 127;
  let upperPivot = 255;
  let lowerPivot = 0;
  let lower = -1;
  let upper = 1;
  let val = code[pivot]!;
  for (let i = 64; i > 0; i >>= 1) {
    if (x > val) {
      lowerPivot = pivot;
      lower = val;
      pivot += i;
    } else {
      upperPivot = pivot;
      upper = val;
      pivot -= i;
    }
    val = code[pivot]!;
  }
  if (upperPivot === 255) upper = code[upperPivot]!;
  if (lowerPivot === 0) lower = code[lowerPivot]!;
  if (x > val) return x > f32(f32(upper + val) * 0.5) ? upperPivot : pivot;
  return x < f32(f32(lower + val) * 0.5) ? lowerPivot : pivot;
}

export interface Blockwise8 {
  codes: Uint8Array;
  /** Per block of `blocksize` (the last one may be partial). */
  absmax: Float32Array;
}

/** quantize_blockwise on CUDA: absmax per block (a partial last block counts only its values), codes by dQuantize on value·(1/absmax). */
export function quantizeBlockwise8(values: Float32Array, code: Float32Array, blocksize = NESTED_BLOCK_SIZE): Blockwise8 {
  const codes = new Uint8Array(values.length);
  const absmax = new Float32Array(Math.ceil(values.length / blocksize));
  for (let b = 0; b < absmax.length; b++) {
    const start = b * blocksize;
    const end = Math.min(start + blocksize, values.length);
    let max = 0;
    for (let i = start; i < end; i++) if (Math.abs(values[i]!) > max) max = Math.abs(values[i]!);
    absmax[b] = max;
    const inv = f32(1 / max);
    for (let i = start; i < end; i++) codes[i] = dynamicCode(code, f32(values[i]! * inv));
  }
  return { codes, absmax };
}

/** dequantize_blockwise: code[q] · absmax in f32. */
export function dequantizeBlockwise8(q: Blockwise8, code: Float32Array, blocksize = NESTED_BLOCK_SIZE): Float32Array {
  return Float32Array.from(q.codes, (c, i) => code[c]! * q.absmax[Math.floor(i / blocksize)]!);
}

/** A double-quantized absmax, named as bitsandbytes' QuantState stores it. */
export interface NestedAbsmax {
  /** weight.absmax (U8). */
  codes: Uint8Array;
  /** weight.nested_absmax (F32). */
  nestedAbsmax: Float32Array;
  /** weight.nested_quant_map (F32, 256). */
  nestedQuantMap: Float32Array;
  nestedBlocksize: number;
  /** quant_state's nested_offset: the f32 mean subtracted before quantizing. */
  offset: number;
  /** What the kernels use: dequantize_blockwise(codes) + offset, in f32. */
  dequantized: Float32Array;
}

/** quantize_4bit(compress_statistics=True)'s second stage on an absmax vector. */
export function doubleQuantize(absmax: Float32Array, lanes = 8): NestedAbsmax {
  // torch's f32 mean reduces in its own order; an f64 sum rounded once can differ from it by an ulp.
  const offset = f32(absmax.reduce((s, v) => s + v, 0) / absmax.length);
  const centred = absmax.map((v) => v - offset);
  const map = createDynamicMap(lanes);
  const q = quantizeBlockwise8(centred, map);
  return { codes: q.codes, nestedAbsmax: q.absmax, nestedQuantMap: map, nestedBlocksize: NESTED_BLOCK_SIZE, offset, dequantized: undoNested(q.codes, q.absmax, map, NESTED_BLOCK_SIZE, offset) };
}

/** dequantize_4bit's `absmax = dequantize_blockwise(absmax, state2); absmax += offset`. */
export function undoNested(codes: Uint8Array, nestedAbsmax: Float32Array, map: Float32Array, blocksize: number, offset: number): Float32Array {
  const absmax = dequantizeBlockwise8({ codes, absmax: nestedAbsmax }, map, blocksize);
  return absmax.map((v) => v + f32(offset));
}
