// Dropout with a counter-based mask: element i is kept when uniformAt(seed, i) ≥ p, so the mask needs
// no storage and the same seed reproduces it in the backward pass and on the CPU.
import { f32Bits, grid } from '../../gpu/recorder.js';
import { assertDType } from '../shape.js';
import { Tensor } from '../tensor.js';

/** x: (…) f32 → (…) f32 = x·mask/(1−p); p = 0 returns a view of x. */
export function dropout(x: Tensor, p: number, seed: number): Tensor {
  assertDType('dropout', 'x', x, ['f32']);
  if (!(p >= 0 && p < 1)) throw new RangeError(`dropout: p must be in [0, 1), got ${p}`);
  if (p === 0) return x.reshape(x.shape);
  const device = x.device;
  const y = Tensor.empty(device, x.shape);
  const kernel = device.kernels.get('dropout');
  device.recorder.dispatch(kernel, [x.size, seed >>> 0, f32Bits(p)], [x.buffer, y.buffer], grid(Math.ceil(x.size / 256)));
  return y;
}

/** Undoes `y = x·mask/(1−p)`: dx = dy·mask/(1−p), the same mask from the same seed. */
export function dropoutBackward(dy: Tensor, p: number, seed: number): Tensor {
  return dropout(dy, p, seed);
}
