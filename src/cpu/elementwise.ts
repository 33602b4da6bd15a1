// Reference elementwise ops in f64: the oracle for shaders/elementwise.wgsl.

/** a: (…), b: (…) or a's trailing dims (repeats every b.length elements) → f(a, b): (…) */
export function binaryRef(a: Float32Array, b: Float32Array, f: (x: number, y: number) => number): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = f(a[i]!, b[i % b.length]!);
  return out;
}

/** a: (…), b: (…) or a's trailing dims → a + b: (…) */
export function addRef(a: Float32Array, b: Float32Array): Float32Array {
  return binaryRef(a, b, (x, y) => x + y);
}

/** a: (…), b: (…) or a's trailing dims → a · b: (…) */
export function mulRef(a: Float32Array, b: Float32Array): Float32Array {
  return binaryRef(a, b, (x, y) => x * y);
}

/** a: (…), s → a · s: (…) */
export function scaleRef(a: Float32Array, s: number): Float32Array {
  return a.map((x) => x * s);
}
