// argmax over the vocabulary (shaders/sample.wgsl's argmax entry), and the token tensor it shares with sample.
import { ShapeMismatchError } from '../../errors.js';
import { grid } from '../../gpu/recorder.js';
import { assertDType } from '../shape.js';
import { shapeString, Tensor } from '../tensor.js';

/** Checks logits (…,V) f32 and returns the (…) i32 tensor that receives one token per row. */
export function tokensFor(op: string, logits: Tensor): Tensor {
  checkLogits(op, logits);
  return Tensor.empty(logits.device, logits.shape.slice(0, -1), 'i32');
}

/** Logits must be (N,V) or (B,T,V) f32 with V ≥ 1. */
export function checkLogits(op: string, logits: Tensor): void {
  assertDType(op, 'logits', logits, ['f32']);
  if (logits.shape.length < 2 || logits.cols < 1) {
    throw new ShapeMismatchError(`${op}: logits ${shapeString(logits.shape)} must be (N,V) or (B,T,V) with V ≥ 1`);
  }
}

/** logits: (N,V) or (B,T,V) f32, may be chunked by rows → (N) or (B,T) i32; ties → lowest index, as torch.argmax */
export function argmax(logits: Tensor): Tensor {
  const tokens = tokensFor('argmax', logits);
  const device = logits.device;
  const kernel = device.kernels.get('sample', {}, 'argmax');
  for (const chunk of logits.chunks) {
    if (chunk.rows === 0) continue;
    device.recorder.dispatch(kernel, [chunk.rows, logits.cols, chunk.rowStart], [chunk.buffer, tokens.buffer], grid(chunk.rows));
  }
  return tokens;
}
