// Packing floats into the 16-bit layouts the kernels unpack; the conversions live in io/dtype.ts.
import { bf16ArrayToF32, f16ArrayToF32, f32ArrayToBf16, f32ArrayToF16 } from '../io/dtype.js';

/** Values rounded through a 16-bit float and back: what a kernel sees of bf16/f16 weights. */
export function roundTo(values: Float32Array, dtype: 'bf16' | 'f16'): Float32Array {
  return unpackHalf(packHalf(values, dtype), dtype, values.length);
}

/** Two halves per u32 word, padded to a whole word. */
export function packHalf(values: Float32Array, dtype: 'bf16' | 'f16'): Uint16Array {
  const halves = dtype === 'bf16' ? f32ArrayToBf16(values) : f32ArrayToF16(values);
  if (halves.length % 2 === 0) return halves;
  const padded = new Uint16Array(halves.length + 1);
  padded.set(halves);
  return padded;
}

export function unpackHalf(halves: Uint16Array, dtype: 'bf16' | 'f16', count = halves.length): Float32Array {
  const view = halves.subarray(0, count);
  return dtype === 'bf16' ? bf16ArrayToF32(view) : f16ArrayToF32(view);
}
