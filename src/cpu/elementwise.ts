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

/** Undoes binaryRef's `out[i] = f(a[i], b[i mod |b|])` given ∂f/∂x and ∂f/∂y: da = dy·∂f/∂x, db = Σ over b's repeats of dy·∂f/∂y. */
function binaryBackwardRef(
  dy: Float32Array,
  a: Float32Array,
  b: Float32Array,
  dfdx: (x: number, y: number) => number,
  dfdy: (x: number, y: number) => number,
): { da: Float32Array; db: Float32Array } {
  const da = new Float32Array(a.length);
  const db = new Float64Array(b.length);
  for (let i = 0; i < a.length; i++) {
    const [x, y] = [a[i]!, b[i % b.length]!];
    da[i] = dy[i]! * dfdx(x, y);
    db[i % b.length] += dy[i]! * dfdy(x, y);
  }
  return { da, db: Float32Array.from(db) };
}

/** Undoes addRef: da = dy, db = dy summed over b's repeats. */
export function addBackwardRef(dy: Float32Array, a: Float32Array, b: Float32Array): { da: Float32Array; db: Float32Array } {
  return binaryBackwardRef(dy, a, b, () => 1, () => 1);
}

/** Undoes mulRef: da = dy·b, db = dy·a summed over b's repeats. */
export function mulBackwardRef(dy: Float32Array, a: Float32Array, b: Float32Array): { da: Float32Array; db: Float32Array } {
  return binaryBackwardRef(dy, a, b, (_, y) => y, (x) => x);
}
