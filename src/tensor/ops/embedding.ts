// Embedding gather: one row of the (possibly chunked) token table per id. The backward (a scatter-add
// into the table's gradient) needs only the ids, which the caller keeps.
import { grid } from '../../gpu/recorder.js';
import { FLOAT_DTYPES, floatCode } from '../dtype.js';
import { assertDType, assertRank } from '../shape.js';
import { Tensor } from '../tensor.js';

/** Throws a RangeError naming the first id outside [0, vocab) and its position. */
export function validateIds(ids: ArrayLike<number>, vocab: number, what: string): void {
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (!Number.isInteger(id) || id < 0 || id >= vocab) {
      throw new RangeError(`${what}: id ${id} at position ${i} is not a token id in [0, ${vocab}); check the tokenizer matches the model`);
    }
  }
}

/**
 * table: (V,C) f32|bf16|f16, ids: (B,T) i32 (any shape) → (B,T,C) f32
 * ids given as an array are validated here and gathered as shape (T); on the GPU an out-of-range id gives a row of zeros.
 */
export function embedding(table: Tensor, ids: Tensor | ArrayLike<number>): Tensor {
  assertRank('embedding', 'table', table, [2]);
  assertDType('embedding', 'table', table, FLOAT_DTYPES);
  const [V, C] = table.shape as [number, number];
  const device = table.device;
  if (!(ids instanceof Tensor)) {
    validateIds(ids, V, 'embedding');
    const uploaded = Tensor.from(device, ids, [ids.length], 'i32');
    const out = embedding(table, uploaded);
    // Later work is ordered after this dispatch, so the pool may hand the buffer out again at once.
    uploaded.dispose();
    return out;
  }
  assertDType('embedding', 'ids', ids, ['i32']);
  const idsBuffer = ids.buffer;
  const kernel = device.kernels.get('embedding', { TABLE_DTYPE: floatCode(table.dtype, 'embedding: table') });
  const out = Tensor.empty(device, [...ids.shape, C]);
  if (ids.size === 0) return out;
  for (const oc of out.chunks) {
    for (const tc of table.chunks) {
      const params = [oc.rows, C, oc.rowStart, tc.rowStart, tc.rows, V];
      device.recorder.dispatch(kernel, params, [tc.buffer, idsBuffer, oc.buffer], grid(oc.rows));
    }
  }
  return out;
}
