// Storage dtypes as safetensors names them, and the 16-bit float conversions the loaders need.
// Byte order is little-endian throughout: safetensors stores it, and every platform WebGPU
// runs on is little-endian, so typed-array views over file bytes need no swapping.

/**
 * Bits per element of every dtype the reference (Rust `safetensors`) knows, in its enum order,
 * which is also its writer's alignment order. A file may carry any of them; only the float
 * types are converted by readF32, the rest are read as raw bytes.
 */
export const DTYPE_BITS = {
  BOOL: 8,
  F4: 4,
  F6_E2M3: 6,
  F6_E3M2: 6,
  U8: 8,
  I8: 8,
  F8_E5M2: 8,
  F8_E4M3: 8,
  F8_E8M0: 8,
  I16: 16,
  U16: 16,
  F16: 16,
  BF16: 16,
  I32: 32,
  U32: 32,
  F32: 32,
  C64: 64,
  F64: 64,
  I64: 64,
  U64: 64,
} as const;

export type Dtype = keyof typeof DTYPE_BITS;

export function isDtype(name: string): name is Dtype {
  return Object.hasOwn(DTYPE_BITS, name);
}

/** Bytes of `elements` values of `dtype`, or undefined where they end inside a byte (as F4 × 3). */
export function dtypeByteLength(dtype: Dtype, elements: bigint): bigint | undefined {
  const bits = BigInt(DTYPE_BITS[dtype]) * elements;
  return bits % 8n === 0n ? bits / 8n : undefined;
}

// One scratch word shared by the scalar conversions, to reinterpret f32 bits without allocating.
const scratchF32 = new Float32Array(1);
const scratchU32 = new Uint32Array(scratchF32.buffer);

function f32Bits(x: number): number {
  scratchF32[0] = x;
  return scratchU32[0];
}

/** bf16 bits → f32 value. bf16 is the top half of an f32, so this is exact. */
export function bf16ToF32(bits: number): number {
  scratchU32[0] = (bits & 0xffff) << 16;
  return scratchF32[0];
}

/** f32 value → bf16 bits, rounding to nearest, ties to even (as PyTorch's `.to(torch.bfloat16)`). */
export function f32ToBf16(x: number): number {
  return u32ToBf16(f32Bits(x));
}

function u32ToBf16(bits: number): number {
  const nan = (bits & 0x7f800000) === 0x7f800000 && (bits & 0x007fffff) !== 0;
  // Rounding a NaN could carry its payload into the exponent and turn it into infinity.
  if (nan) return ((bits >>> 16) | 0x0040) & 0xffff;
  const roundingBias = 0x7fff + ((bits >>> 16) & 1);
  // The sum stays below 2^32 for every non-NaN input, so >>> sees the exact value.
  return ((bits + roundingBias) >>> 16) & 0xffff;
}

/** f16 bits → f32 value (exact: every f16 is representable in f32). */
export function f16ToF32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : NaN;
  return sign * (1024 + mantissa) * 2 ** (exponent - 25);
}

/** f32 value → f16 bits, rounding to nearest, ties to even; overflow → ±inf, underflow → subnormal or ±0. */
export function f32ToF16(x: number): number {
  const bits = f32Bits(x);
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa === 0 ? 0 : 0x200 | (mantissa >>> 13));
  const halfExponent = exponent - 127 + 15;
  if (halfExponent >= 0x1f) return sign | 0x7c00;
  if (halfExponent <= 0) return sign | subnormalF16(mantissa | 0x800000, 14 - halfExponent);
  // A carry out of the mantissa bumps the exponent, which is the correctly rounded result
  // (and 0x7bff rounding up becomes 0x7c00, infinity).
  return sign | roundShift((halfExponent << 23) | mantissa, 13);
}

// significand: the 24-bit f32 significand with its implicit 1; shift ≥ 14 moves it to units of 2^-24.
function subnormalF16(significand: number, shift: number): number {
  // Below half the smallest subnormal (2^-25) everything rounds to zero.
  if (shift > 24) return 0;
  return roundShift(significand, shift);
}

// value >> shift, rounded to nearest with ties to even on the bits shifted out.
function roundShift(value: number, shift: number): number {
  const kept = value >>> shift;
  const rest = value & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  return rest > half || (rest === half && (kept & 1) === 1) ? kept + 1 : kept;
}

export function bf16ArrayToF32(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  const outBits = new Uint32Array(out.buffer);
  for (let i = 0; i < bits.length; i++) outBits[i] = bits[i] << 16;
  return out;
}

export function f32ArrayToBf16(values: Float32Array): Uint16Array {
  const inBits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = u32ToBf16(inBits[i]);
  return out;
}

// All 65536 f16 values, built on first use: a lookup is much cheaper than decoding each
// element of a multi-million-element weight.
let f16Table: Float32Array | undefined;

export function f16ArrayToF32(bits: Uint16Array): Float32Array {
  f16Table ??= Float32Array.from({ length: 65536 }, (_, b) => f16ToF32(b));
  const table = f16Table;
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = table[bits[i]];
  return out;
}

export function f32ArrayToF16(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = f32ToF16(values[i]);
  return out;
}
