// Elementwise ops on f32 tensors: add, mul (same shape or a broadcast of a's trailing dims), scale.
// silu-mul.ts shares the kernel. Chunked tensors are done one dispatch per chunk. The backwards, below
// the forwards, are themselves these ops plus a column sum over the rows a broadcast b was repeated on.
import { ShapeMismatchError } from '../../errors.js';
import { f32Bits, grid } from '../../gpu/recorder.js';
import { FLOAT_DTYPES, floatCode } from '../dtype.js';
import { assertDType } from '../shape.js';
import { shapeString, Tensor } from '../tensor.js';
import { columnSum } from './column-sum.js';

/** Values of shaders/lib/elementwise-op.wgsl's OP override. */
const OP_CODES = { add: 0, mul: 1, scale: 2, siluMul: 3 } as const;

export type BinaryOp = 'add' | 'mul' | 'siluMul';

/** True when b has a's shape, false when b's shape is a's trailing dims (broadcast along rows). */
function sameShapeAs(op: string, a: Tensor, b: Tensor): boolean {
  const lead = a.shape.length - b.shape.length;
  if (lead < 0 || b.shape.some((d, i) => d !== a.shape[lead + i])) {
    throw new ShapeMismatchError(`${op}: b ${shapeString(b.shape)} is neither the shape of a ${shapeString(a.shape)} nor its trailing dims`);
  }
  return lead === 0;
}

/** A same-shape b must be split where a is, so chunk k of one meets chunk k of the other. */
function assertSameChunks(op: string, a: Tensor, b: Tensor): void {
  const [ca, cb] = [a.chunks, b.chunks];
  if (ca.length !== cb.length || ca.some((c, k) => c.rowStart !== cb[k]!.rowStart || c.rows !== cb[k]!.rows)) {
    throw new ShapeMismatchError(
      `${op}: a ${shapeString(a.shape)} ${a.dtype} and b ${shapeString(b.shape)} ${b.dtype} are split into different chunks; give b the dtype of a`,
    );
  }
}

function run(op: keyof typeof OP_CODES, a: Tensor, b: Tensor | null, s = 1): Tensor {
  assertDType(op, 'a', a, ['f32']);
  if (b) assertDType(op, 'b', b, FLOAT_DTYPES);
  const same = b === null || sameShapeAs(op, a, b);
  if (b && same) assertSameChunks(op, a, b);
  // A broadcast b is read whole by every chunk's dispatch; .buffer throws if b itself is split.
  const whole = b && !same ? b.buffer : null;
  const device = a.device;
  const out = Tensor.empty(device, a.shape);
  if (a.size === 0) return out;
  const bCode = b ? floatCode(b.dtype, `${op}: b`) : 0;
  a.chunks.forEach((c, k) => {
    const n = c.rows * a.cols;
    const bBuffer = whole ?? (b === null ? c.buffer : b.chunks[k]!.buffer);
    const [bBase, bPeriod] = b && !same ? [(c.rowStart * a.cols) % b.size, b.size] : [0, n];
    const vec4 = bCode === 0 && [n, bBase, bPeriod].every((x) => x % 4 === 0);
    const kernel = device.kernels.get(vec4 ? 'elementwise_vec4' : 'elementwise', vec4 ? { OP: OP_CODES[op] } : { OP: OP_CODES[op], B_DTYPE: bCode });
    device.recorder.dispatch(kernel, [n, bBase, bPeriod, f32Bits(s)], [c.buffer, bBuffer, out.chunks[k]!.buffer], grid(Math.ceil(n / (vec4 ? 4 : 1) / 256)));
  });
  return out;
}

/** Elementwise binary op for silu-mul.ts and the like: a (…) f32, b (…) or a's trailing dims f32|bf16|f16 → (…) f32 */
export function binaryElementwise(op: BinaryOp, a: Tensor, b: Tensor): Tensor {
  return run(op, a, b);
}

/** a: (…) f32, b: (…) or a's trailing dims (e.g. bias (C) over (T,C)) f32|bf16|f16 → a + b: (…) f32 */
export function add(a: Tensor, b: Tensor): Tensor {
  return run('add', a, b);
}

/** a + b, consuming both (a residual stream and the block that adds to it). */
export function addConsuming(a: Tensor, b: Tensor): Tensor {
  const out = add(a, b);
  a.dispose();
  b.dispose();
  return out;
}

/** a: (…) f32, b: (…) or a's trailing dims f32|bf16|f16 → a · b: (…) f32 */
export function mul(a: Tensor, b: Tensor): Tensor {
  return run('mul', a, b);
}

/** a: (…) f32, s: number (rounded to f32) → a · s: (…) f32 */
export function scale(a: Tensor, s: number): Tensor {
  return run('scale', a, null, s);
}

export interface BinaryGrads {
  /** Shape of a. */
  da: Tensor;
  /** Shape of b, f32: summed over the rows a broadcast b was repeated on. */
  db?: Tensor;
}

/** dy summed over the repeats of a broadcast b (times x when given), as b's shape; dy·x itself for a same-shape b. */
function reduceToB(op: string, dy: Tensor, b: Tensor, x?: Tensor): Tensor {
  if (sameShapeAs(op, dy, b)) return x ? mul(dy, x) : dy;
  const summed = columnSum(dy, { x, period: b.size });
  const out = summed.reshape(b.shape);
  summed.dispose();
  return out;
}

/**
 * Undoes `out[i] = x + y` (x = a[i], y = b[i mod |b|]): da = dy (returned as is), db = dy summed over b's repeats.
 * dy: (…) f32, b: (…) or trailing dims → da: (…), db: b's shape f32; db only with bGrad (default true).
 */
export function addBackward(dy: Tensor, b: Tensor, opts: { bGrad?: boolean } = {}): BinaryGrads {
  assertDType('addBackward', 'dy', dy, ['f32']);
  return opts.bGrad ?? true ? { da: dy, db: reduceToB('addBackward', dy, b) } : { da: dy };
}

/**
 * Undoes `out[i] = x * y` (x = a[i], y = b[i mod |b|]): da = dy·b, db = dy·a summed over b's repeats.
 * dy, a: (…) f32, b: (…) or a's trailing dims f32|bf16|f16 → da: (…) f32, db: b's shape f32 (with bGrad, default true)
 */
export function mulBackward(dy: Tensor, a: Tensor, b: Tensor, opts: { bGrad?: boolean } = {}): BinaryGrads {
  if (dy.shape.length !== a.shape.length || dy.shape.some((d, i) => d !== a.shape[i])) {
    throw new ShapeMismatchError(`mulBackward: dy ${shapeString(dy.shape)} and a ${shapeString(a.shape)} differ`);
  }
  const da = mul(dy, b);
  return opts.bGrad ?? true ? { da, db: reduceToB('mulBackward', dy, b, a) } : { da };
}
