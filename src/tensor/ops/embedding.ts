// Embedding gather: one row of the (possibly chunked) token table per id. The backward, below it, is a
// scatter-add into the table's gradient; it needs only the ids, which the caller keeps on the CPU.
import { ShapeMismatchError } from '../../errors.js';
import { grid } from '../../gpu/recorder.js';
import { FLOAT_DTYPES, floatCode } from '../dtype.js';
import { assertDType, assertRank } from '../shape.js';
import { shapeString, Tensor } from '../tensor.js';

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

export interface EmbeddingBackwardOptions {
  /**
   * Distinct table rows to differentiate, in this order (e.g. trainable rows of newly added tokens): the
   * gradient is then (R,C) with row j for table row rows[j]. Default: every row, (V,C).
   */
  rows?: ArrayLike<number>;
}

/** CSR of gradient row → token positions (ascending), as [offsets (R+1), positions]; tokens of rows not asked for are left out. */
function tokensByRow(ids: ArrayLike<number>, vocab: number, rows?: ArrayLike<number>): Uint32Array {
  const R = rows ? rows.length : vocab;
  const slot = rows ? new Int32Array(vocab).fill(-1) : Int32Array.from({ length: vocab }, (_, i) => i);
  for (let j = 0; rows && j < R; j++) {
    const row = rows[j]!;
    if (!(Number.isInteger(row) && row >= 0 && row < vocab) || slot[row] !== -1) {
      throw new RangeError(`embeddingBackward: rows[${j}] = ${row} is not a distinct table row in [0, ${vocab})`);
    }
    slot[row] = j;
  }
  const csr = new Uint32Array(R + 1 + ids.length);
  for (let n = 0; n < ids.length; n++) if (slot[ids[n]!]! >= 0) csr[slot[ids[n]!]! + 1]++;
  for (let j = 0; j < R; j++) csr[j + 1] += csr[j]!;
  const fill = csr.slice(0, R);
  for (let n = 0; n < ids.length; n++) {
    const j = slot[ids[n]!]!;
    if (j >= 0) csr[R + 1 + fill[j]!++] = n;
  }
  return csr;
}

/**
 * Undoes `out[n] = table[ids[n]]`: dTable[v] = Σ_{n: ids[n] = v} dOut[n], added in ascending n.
 * dOut: (B,T,C) f32, ids: B·T token ids (array, as batched on the CPU) → dTable: (V,C) f32, or (R,C) for opts.rows
 */
export function embeddingBackward(dOut: Tensor, ids: ArrayLike<number>, vocab: number, opts: EmbeddingBackwardOptions = {}): Tensor {
  assertDType('embeddingBackward', 'dOut', dOut, ['f32']);
  if (dOut.rows !== ids.length) {
    throw new ShapeMismatchError(`embeddingBackward: dOut ${shapeString(dOut.shape)} needs one row per id, got ${ids.length} ids`);
  }
  validateIds(ids, vocab, 'embeddingBackward');
  const device = dOut.device;
  const C = dOut.cols;
  const R = opts.rows ? opts.rows.length : vocab;
  const csrValues = tokensByRow(ids, vocab, opts.rows);
  const grad = Tensor.empty(device, [R, C]);
  if (R === 0 || C === 0) return grad;
  const csr = Tensor.from(device, csrValues, [csrValues.length], 'u32');
  const kernel = device.kernels.get('embedding_backward');
  const dOutBuffer = dOut.buffer;
  for (const c of grad.chunks) {
    device.recorder.dispatch(kernel, [c.rows, C, c.rowStart, R + 1], [dOutBuffer, csr.buffer, c.buffer], grid(c.rows));
  }
  // Later work is ordered after these dispatches, so the pool may hand the buffer out again at once.
  csr.dispose();
  return grad;
}
