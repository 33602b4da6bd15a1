// Rotary position embedding in HuggingFace's rotate_half layout (Qwen2/Qwen3): dim i pairs with i + D/2,
// out[i] = x[i]·cos − x[i+D/2]·sin, out[i+D/2] = x[i+D/2]·cos + x[i]·sin, angle = pos · inv_freq[i].
// The backward, below the forward, is the same rotation by −angle, so nothing needs saving.
import { ShapeMismatchError } from '../../errors.js';
import { f32Bits, grid } from '../../gpu/recorder.js';
import { FLOAT_DTYPES, floatCode } from '../dtype.js';
import { assertDType, assertRank } from '../shape.js';
import { shapeString, Tensor } from '../tensor.js';
import { checkCacheWrite } from './kv-cache.js';

/** Largest D/2 the kernel's uniform block holds inv_freq for (head_dim ≤ 256). */
const MAX_HALF = 128;

export interface RopeOptions {
  /** rope_theta from the model config. */
  theta: number;
  /** (B,T) or (T) i32, one position per token: ragged batched decode. Replaces offset + t. */
  positions?: Tensor;
  /** Position of token 0 when no positions are given (the KV-cache length in decode). */
  offset?: number;
}

/** HF's inv_freq = 1 / theta^(arange(0, D, 2) / D), every step rounded to f32 as torch does it. */
export function ropeInvFreq(theta: number, D: number): Float32Array {
  const out = new Float32Array(D / 2);
  const base = Math.fround(theta);
  for (let i = 0; i < out.length; i++) out[i] = 1 / Math.fround(base ** Math.fround((2 * i) / D));
  return out;
}

/** The uniform block's inv_freq words per (theta, D): every rotation of a decode step asks for the same ones. */
const invFreqBlocks = new Map<string, Uint32Array>();

function invFreqBlock(theta: number, D: number): Uint32Array {
  const key = `${theta},${D}`;
  let words = invFreqBlocks.get(key);
  if (!words) {
    words = new Uint32Array(4 * 32);
    new Float32Array(words.buffer).set(ropeInvFreq(theta, D));
    invFreqBlocks.set(key, words);
  }
  return words;
}

function validate(x: Tensor, opts: RopeOptions): void {
  assertRank('applyRope', 'x', x, [3, 4]);
  assertDType('applyRope', 'x', x, ['f32']);
  const D = x.cols;
  if (D % 2 !== 0 || D / 2 > MAX_HALF) throw new ShapeMismatchError(`applyRope: x ${shapeString(x.shape)} needs an even head_dim D ≤ ${2 * MAX_HALF}`);
  const { positions, offset } = opts;
  if (positions) {
    assertDType('applyRope', 'positions', positions, ['i32']);
    const tokens = x.shape.slice(0, -2);
    if (positions.shape.length !== tokens.length || positions.shape.some((d, i) => d !== tokens[i])) {
      throw new ShapeMismatchError(`applyRope: positions ${shapeString(positions.shape)} must be ${shapeString(tokens)}, one per token of x ${shapeString(x.shape)}`);
    }
    if (offset !== undefined) throw new TypeError('applyRope: give positions or offset, not both');
  }
  if (offset !== undefined && !(Number.isInteger(offset) && offset >= 0 && offset < 2 ** 31)) {
    throw new RangeError(`applyRope: offset ${offset} must be a non-negative integer`);
  }
}

/** x: (B,T,H,D) or (T,H,D) f32, positions?: (B,T) or (T) i32 → (B,T,H,D) or (T,H,D) f32 */
export function applyRope(x: Tensor, opts: RopeOptions): Tensor {
  return rotate(x, opts, false);
}

/**
 * Undoes `out[i] = x[i]·cos − x[i+D/2]·sin, out[i+D/2] = x[i+D/2]·cos + x[i]·sin`: the transpose of a rotation
 * is the rotation by −angle, dx[i] = dy[i]·cos + dy[i+D/2]·sin, dx[i+D/2] = dy[i+D/2]·cos − dy[i]·sin.
 * dy: (B,T,H,D) or (T,H,D) f32, positions?: (B,T) or (T) i32 → dx: (B,T,H,D) or (T,H,D) f32 (same options as the forward)
 */
export function applyRopeBackward(dy: Tensor, opts: RopeOptions): Tensor {
  return rotate(dy, opts, true);
}

/** Inference's extras: the per-head norm before the rotation, the KV cache the rotated rows go to. */
interface Fused {
  norm?: HeadNorm;
  cache?: { tensor: Tensor; offsets: number | Tensor };
}

/** Qwen3's q_norm / k_norm: each (token, head) row of x rms-normed with `weight` (D). */
export interface HeadNorm {
  weight: Tensor;
  eps: number;
}

/**
 * Inference's q (or k without a cache): x (B,T,H,D) f32 per-head rms-normed with `norm` when given,
 * then rotated, in one dispatch; the same values as rmsNorm then applyRope.
 */
export function normRope(x: Tensor, norm: HeadNorm | undefined, opts: RopeOptions): Tensor {
  return rotate(x, opts, false, { norm });
}

/**
 * Inference's k: x (B,T,KV,D) f32 normed (when `norm` is given) and rotated straight into `cache` at
 * `offsets`, as writeKv would write applyRope's output (same offsets and shapes, rows outside dropped).
 */
export function normRopeIntoCache(x: Tensor, norm: HeadNorm | undefined, cache: Tensor, offsets: number | Tensor, opts: RopeOptions): void {
  rotate(x, opts, false, { norm, cache: { tensor: cache, offsets } });
}

function checkNorm(x: Tensor, norm: HeadNorm): void {
  assertDType('normRope', 'norm weight', norm.weight, FLOAT_DTYPES);
  if (norm.weight.shape.length !== 1 || norm.weight.shape[0] !== x.cols) throw new ShapeMismatchError(`normRope: norm weight ${shapeString(norm.weight.shape)} does not match head_dim ${x.cols} of x ${shapeString(x.shape)}`);
}

function rotate(x: Tensor, opts: RopeOptions, inverse: boolean, fused: Fused = {}): Tensor {
  validate(x, opts);
  const { norm, cache } = fused;
  if (norm) checkNorm(x, norm);
  const write = cache && checkCacheWrite('normRopeIntoCache', cache.tensor, x, cache.offsets);
  if ((norm || cache) && x.chunks.length > 1) throw new ShapeMismatchError(`normRope: x ${shapeString(x.shape)} spans ${x.chunks.length} buffers; inference's heads take one`);
  const [T, H, D] = x.shape.slice(-3) as [number, number, number];
  const half = D / 2;
  const invFreq = invFreqBlock(opts.theta, D);
  const positionsBuffer = opts.positions?.buffer;
  const device = x.device;
  const kernel = device.kernels.get('rope', {
    USE_POSITIONS: positionsBuffer !== undefined,
    INVERSE: inverse,
    NORM: norm !== undefined,
    W_DTYPE: norm ? floatCode(norm.weight.dtype, 'normRope: norm weight') : 0,
    TO_CACHE: cache !== undefined,
    HAS_OFFSETS: write?.perSequence ?? false,
    HAS_SLOTS: write?.slots ?? false,
  });
  const y = cache ? cache.tensor : Tensor.empty(device, x.shape);
  if (x.size === 0) return y;
  const cacheOffset = cache && typeof cache.offsets === 'number' ? cache.offsets : 0;
  x.chunks.forEach((c, k) => {
    const pairs = c.rows * half;
    const params = [pairs, c.rowStart, T, H, half, opts.offset ?? 0, f32Bits(norm?.eps ?? 0), write?.S ?? 0, x.shape[0]!, cacheOffset, 0, 0, ...invFreq];
    // Unused bindings get x as a stand-in so the layout is complete.
    const offsetsBuffer = cache && typeof cache.offsets !== 'number' ? cache.offsets.buffer : c.buffer;
    const buffers = [c.buffer, positionsBuffer ?? c.buffer, cache ? cache.tensor.buffer : y.chunks[k]!.buffer, norm?.weight.buffer ?? c.buffer, offsetsBuffer];
    device.recorder.dispatch(kernel, params, buffers, grid(Math.ceil(pairs / 256)));
  });
  return y;
}
