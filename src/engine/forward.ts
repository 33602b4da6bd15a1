// One engine step on the GPU: a left-padded block of new tokens for some cache slots → the next-token
// logits of each row. Prefill (whole prompts) and decode (one token a row) are the same call.
import type { KvCache } from '../nn/kv-cache.js';
import { disposeStep } from '../nn/kv-cache.js';
import type { QwenModel } from '../nn/qwen.js';
import { embedding } from '../tensor/ops/embedding.js';
import { Tensor } from '../tensor/tensor.js';

function leftPadded(rows: readonly (readonly number[])[], T: number): number[] {
  return rows.flatMap((r) => [...new Array<number>(T - r.length).fill(0), ...r]);
}

/** hidden: (B·T,C) → the last row of each block row, (B,C). */
function lastRows(hidden: Tensor, B: number, T: number): Tensor {
  if (T === 1) return hidden.reshape(hidden.shape);
  return embedding(hidden, Array.from({ length: B }, (_, b) => b * T + T - 1));
}

/** rows[b] appended to slot slots[b] → logits (B,V) f32 after each row's last token. */
export function stepLogits(net: QwenModel, cache: KvCache, rows: readonly (readonly number[])[], slots: readonly number[]): Tensor {
  const B = rows.length;
  const T = Math.max(...rows.map((r) => r.length));
  const ids = Tensor.from(net.device, leftPadded(rows, T), [B, T], 'i32');
  const inputs = cache.appendRows(slots, rows.map((r) => r.length));
  const hidden = net.hidden(ids, cache, inputs);
  const last = lastRows(hidden, B, T);
  const logits = net.lmHead.forward(last);
  for (const t of [ids, hidden, last]) t.dispose();
  disposeStep(inputs);
  return logits;
}

/** Each row's adapter index repeated over its T block positions: the per-token rows of loraRows. */
export function tokenAdapterRows(adapters: readonly number[], T: number): number[] {
  return adapters.flatMap((a) => new Array<number>(T).fill(a));
}
