// crossEntropy: softmax cross-entropy of each row of logits against its label, over vocabularies up to
// Qwen's 151936, and the masked mean a training step reads back. Row i is scored against labels[i]: the
// HF causal shift (logits at t predict labels[t+1]) is the caller's job, done on the labels before this.
import { ShapeMismatchError } from '../../errors.js';
import { f32Bits, grid } from '../../gpu/recorder.js';
import type { Device } from '../../gpu/device.js';
import { assertDType } from '../shape.js';
import { shapeString, Tensor, type Shape } from '../tensor.js';

/** HF's ignore_index: a row with this label has loss 0 and does not count in the mean. */
export const IGNORE_INDEX = -100;

/** An (N) i32 tensor, or the same values as an array (checked on the CPU before upload). */
export type Labels = Tensor | ArrayLike<number>;

export interface CrossEntropyResult {
  /** (N) f32: lse − logits[label], 0 for ignored rows. */
  losses: Tensor;
  /** (N) f32 log-sum-exp of each row, saved for the backward. */
  lse: Tensor;
}

function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Labels on the GPU, and whether this call uploaded them (and so disposes them). */
function labelTensor(op: string, device: Device, labels: Labels, shape: Shape, vocab: number): { t: Tensor; owned: boolean } {
  if (labels instanceof Tensor) {
    assertDType(op, 'labels', labels, ['i32']);
    if (!sameShape(labels.shape, shape)) {
      throw new ShapeMismatchError(`${op}: labels ${shapeString(labels.shape)} must have shape ${shapeString(shape)}`);
    }
    return { t: labels, owned: false };
  }
  const count = shape.reduce((a, b) => a * b, 1);
  if (labels.length !== count) {
    throw new ShapeMismatchError(`${op}: ${labels.length} labels for shape ${shapeString(shape)}`);
  }
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i]!;
    if (v !== IGNORE_INDEX && !(Number.isInteger(v) && v >= 0 && v < vocab)) {
      throw new RangeError(`${op}: label at row ${i} is ${v}, outside [0, ${vocab}) and not the ignore index ${IGNORE_INDEX}`);
    }
  }
  return { t: Tensor.from(device, labels, shape, 'i32'), owned: true };
}

function checkLogits(op: string, logits: Tensor): void {
  assertDType(op, 'logits', logits, ['f32']);
  if (logits.shape.length < 2 || logits.cols < 1) {
    throw new ShapeMismatchError(`${op}: logits ${shapeString(logits.shape)} must be (N,V) or (B,T,V) with V ≥ 1`);
  }
}

/**
 * logits: (N,V) or (B,T,V) f32, may be chunked by rows, labels: (N) or (B,T) i32 → losses, lse: (N) or (B,T) f32.
 * Labels outside [0,V) other than −100 throw RangeError when given as an array; in a tensor they are ignored.
 */
export function crossEntropy(logits: Tensor, labels: Labels): CrossEntropyResult {
  checkLogits('crossEntropy', logits);
  const device = logits.device;
  const rowShape = logits.shape.slice(0, -1);
  const label = labelTensor('crossEntropy', device, labels, rowShape, logits.cols);
  const losses = Tensor.empty(device, rowShape);
  const lse = Tensor.empty(device, rowShape);
  const kernel = device.kernels.get('cross_entropy');
  for (const chunk of logits.chunks) {
    if (chunk.rows === 0) continue;
    const buffers = [label.t.buffer, chunk.buffer, losses.buffer, lse.buffer];
    device.recorder.dispatch(kernel, [chunk.rows, logits.cols, chunk.rowStart], buffers, grid(chunk.rows));
  }
  if (label.owned) label.t.dispose();
  return { losses, lse };
}

/**
 * Undoes `losses[at] = rowLse − logits[label]` for a loss Σ_i scale·losses[i]:
 *   dLogits = (softmax(logits) − onehot(label))·scale per row, zeros for rows whose label is not counted.
 * logits: (N,V) or (B,T,V) f32 (chunked alike), labels: (N) or (B,T) i32, lse: (N) or (B,T) f32 from the forward
 * → dLogits: (N,V) or (B,T,V) f32. scale: 1/(counted labels) for the mean loss.
 */
export function crossEntropyBackward(logits: Tensor, labels: Labels, lse: Tensor, scale: number): Tensor {
  checkLogits('crossEntropyBackward', logits);
  const device = logits.device;
  const rowShape = logits.shape.slice(0, -1);
  assertDType('crossEntropyBackward', 'lse', lse, ['f32']);
  if (!sameShape(lse.shape, rowShape)) throw new ShapeMismatchError(`crossEntropyBackward: lse ${shapeString(lse.shape)} must have shape ${shapeString(rowShape)}`);
  const label = labelTensor('crossEntropyBackward', device, labels, rowShape, logits.cols);
  const grad = Tensor.empty(device, logits.shape);
  const kernel = device.kernels.get('cross_entropy_backward');
  const gradChunks = grad.chunks;
  logits.chunks.forEach((chunk, k) => {
    const n = chunk.rows * logits.cols;
    if (n === 0) return;
    const buffers = [label.t.buffer, chunk.buffer, lse.buffer, gradChunks[k]!.buffer];
    device.recorder.dispatch(kernel, [chunk.rows, logits.cols, chunk.rowStart, f32Bits(scale)], buffers, grid(Math.ceil(n / 256)));
  });
  if (label.owned) label.t.dispose();
  return grad;
}

/**
 * losses: (N) or (B,T) f32, labels: same shape i32 → (1) f32 = Σ losses / #labels in [0,vocab), on the GPU.
 * A batch with no counted label gives NaN, as torch's mean cross-entropy does; check Number.isNaN after reading.
 */
export function meanLoss(losses: Tensor, labels: Labels, vocab: number): Tensor {
  assertDType('meanLoss', 'losses', losses, ['f32']);
  if (!Number.isSafeInteger(vocab) || vocab < 1) throw new RangeError(`meanLoss: vocab must be a positive integer, got ${vocab}`);
  const device = losses.device;
  const label = labelTensor('meanLoss', device, labels, losses.shape, vocab);
  const out = Tensor.empty(device, [1]);
  const kernel = device.kernels.get('cross_entropy', {}, 'mean');
  device.recorder.dispatch(kernel, [losses.size, vocab, 0], [label.t.buffer, losses.buffer, out.buffer], [1]);
  if (label.owned) label.t.dispose();
  return out;
}
