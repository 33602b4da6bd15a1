// argmax over the vocabulary, and the per-row dispatch loop it shares with sample (same kernel file).
import { ShapeMismatchError } from '../../errors.js';
import { grid } from '../../gpu/recorder.js';
import { assertDType } from '../shape.js';
import { shapeString, Tensor } from '../tensor.js';

/** Checks logits (…,V) f32 and returns the (…) i32 tensor that receives one token per row. */
export function tokensFor(op: string, logits: Tensor): Tensor {
  assertDType(op, 'logits', logits, ['f32']);
  if (logits.shape.length < 2 || logits.cols < 1) {
    throw new ShapeMismatchError(`${op}: logits ${shapeString(logits.shape)} must be (N,V) or (B,T,V) with V ≥ 1`);
  }
  return Tensor.empty(logits.device, logits.shape.slice(0, -1), 'i32');
}

/**
 * Records shaders/sample.wgsl's `entry` once per chunk of logits rows; `tail` are the Params words
 * after (rows, V, rowStart).
 */
export function dispatchRows(logits: Tensor, tokens: Tensor, entry: 'argmax' | 'sample', tail: readonly number[]): void {
  const device = logits.device;
  const kernel = device.kernels.get('sample', {}, entry);
  for (const chunk of logits.chunks) {
    if (chunk.rows === 0) continue;
    const params = [chunk.rows, logits.cols, chunk.rowStart, ...tail];
    device.recorder.dispatch(kernel, params, [chunk.buffer, tokens.buffer], grid(chunk.rows));
  }
}

/** logits: (N,V) or (B,T,V) f32, may be chunked by rows → (N) or (B,T) i32; ties → lowest index, as torch.argmax */
export function argmax(logits: Tensor): Tensor {
  const tokens = tokensFor('argmax', logits);
  dispatchRows(logits, tokens, 'argmax', [0, 0, 0, 0, 0]);
  return tokens;
}
