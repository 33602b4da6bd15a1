// Repetition penalty on logits in place, before sampling (HF's RepetitionPenaltyLogitsProcessor).
import { ShapeMismatchError } from '../../errors.js';
import { f32Bits, grid } from '../../gpu/recorder.js';
import { assertDType, assertRank } from '../shape.js';
import { shapeString, Tensor } from '../tensor.js';

/** logits: (B,V) f32, seen: B lists of token ids → logits of each row's seen ids divided (>0) or multiplied (<0) by `penalty`. */
export function applyRepetitionPenalty(logits: Tensor, seen: readonly (readonly number[])[], penalty: number): void {
  assertRank('applyRepetitionPenalty', 'logits', logits, [2]);
  assertDType('applyRepetitionPenalty', 'logits', logits, ['f32']);
  const [B, V] = logits.shape as [number, number];
  if (seen.length !== B) throw new ShapeMismatchError(`applyRepetitionPenalty: ${seen.length} id lists for logits ${shapeString(logits.shape)}`);
  if (!(penalty > 0 && Number.isFinite(penalty))) throw new RangeError(`applyRepetitionPenalty: penalty must be > 0, got ${penalty}`);
  const rows = seen.map((ids) => [...new Set(ids)]);
  const L = Math.max(1, ...rows.map((r) => r.length));
  const padded = rows.flatMap((r) => [...r, ...new Array<number>(L - r.length).fill(-1)]);
  const device = logits.device;
  const ids = Tensor.from(device, padded, [B, L], 'i32');
  const kernel = device.kernels.get('repetition_penalty');
  device.recorder.dispatch(kernel, [V, L, B * L, f32Bits(penalty)], [ids.buffer, logits.buffer], grid(Math.ceil((B * L) / 256)));
  ids.dispose();
}
