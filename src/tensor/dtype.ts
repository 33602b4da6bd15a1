// Element types and how they sit in GPU memory. 16-bit floats are packed two per u32 word
// (element i in the low half when i is even) and unpacked in the shader.

export type DType = 'f32' | 'bf16' | 'f16' | 'i32' | 'u32';

export interface DTypeInfo {
  /** Bits per element in GPU memory. */
  readonly bits: number;
  /** Value of the shaders' `*_DTYPE` override constants for float storage types. */
  readonly shaderCode: number;
}

export const DTYPES: Readonly<Record<DType, DTypeInfo>> = {
  f32: { bits: 32, shaderCode: 0 },
  bf16: { bits: 16, shaderCode: 1 },
  f16: { bits: 16, shaderCode: 2 },
  i32: { bits: 32, shaderCode: -1 },
  u32: { bits: 32, shaderCode: -1 },
};

export const FLOAT_DTYPES: readonly DType[] = ['f32', 'bf16', 'f16'];

/** Bytes for `count` elements, rounded up to whole u32 words. */
export function byteSize(dtype: DType, count: number): number {
  return Math.ceil((count * DTYPES[dtype].bits) / 32) * 4;
}

/** The float storage code a kernel's override takes; throws for integer tensors. */
export function floatCode(dtype: DType, what: string): number {
  const code = DTYPES[dtype].shaderCode;
  if (code < 0) throw new TypeError(`${what} must be a float tensor (f32, bf16, f16), got ${dtype}`);
  return code;
}
