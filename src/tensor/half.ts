// f32 <-> bf16 / f16 conversion on the CPU, bit-exact with PyTorch (round to nearest, ties to even).

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function f32ToBf16(x: number): number {
  f32[0] = x;
  const bits = u32[0]!;
  if ((bits & 0x7f800000) === 0x7f800000 && bits & 0x007fffff) return 0x7fc0; // NaN stays a quiet NaN
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
}

export function bf16ToF32(h: number): number {
  u32[0] = (h & 0xffff) << 16;
  return f32[0]!;
}

export function f32ToF16(x: number): number {
  f32[0] = x;
  const bits = u32[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  let mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = mant & ((1 << shift) - 1);
    let h = mant >>> shift;
    if (rest > half || (rest === half && h & 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && h & 1)) h++; // a carry into the exponent is the right rounding
  return sign | h;
}

export function f16ToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** Values rounded through a 16-bit float and back: what a kernel sees of bf16/f16 weights. */
export function roundTo(values: Float32Array, dtype: 'bf16' | 'f16'): Float32Array {
  const [down, up] = dtype === 'bf16' ? [f32ToBf16, bf16ToF32] : [f32ToF16, f16ToF32];
  return values.map((v) => up(down(v)));
}

export function packHalf(values: Float32Array, dtype: 'bf16' | 'f16'): Uint16Array {
  const down = dtype === 'bf16' ? f32ToBf16 : f32ToF16;
  const out = new Uint16Array(values.length + (values.length & 1));
  for (let i = 0; i < values.length; i++) out[i] = down(values[i]!);
  return out;
}

export function unpackHalf(halves: Uint16Array, dtype: 'bf16' | 'f16', count = halves.length): Float32Array {
  const up = dtype === 'bf16' ? bf16ToF32 : f16ToF32;
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = up(halves[i]!);
  return out;
}
