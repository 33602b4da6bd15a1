// Logit penalties in place, before sampling, each row its own: repetition (HF), presence and frequency (OpenAI).
import { ShapeMismatchError } from '../../errors.js';
import { grid } from '../../gpu/recorder.js';
import { seenCounts, type PenaltyParams, type SeenTokens } from '../../cpu/penalties.js';
import { assertDType, assertRank } from '../shape.js';
import { shapeString, Tensor } from '../tensor.js';

export type { PenaltyParams, SeenTokens };

function checkParams(p: PenaltyParams, row: number): void {
  if (!(p.repetition > 0 && Number.isFinite(p.repetition))) throw new RangeError(`penalties: row ${row}: repetition penalty must be > 0, got ${p.repetition}`);
  for (const k of ['presence', 'frequency'] as const) {
    if (!Number.isFinite(p[k])) throw new RangeError(`penalties: row ${row}: ${k} penalty must be a finite number, got ${p[k]}`);
  }
}

/** True when no row changes any logit. */
export function penaltiesOff(params: readonly PenaltyParams[]): boolean {
  return params.every((p) => p.repetition === 1 && p.presence === 0 && p.frequency === 0);
}

/** logits: (B,V) f32, seen and params: one per row → the logits of each row's seen ids penalised once. */
export function applyPenalties(logits: Tensor, seen: readonly SeenTokens[], params: readonly PenaltyParams[]): void {
  assertRank('applyPenalties', 'logits', logits, [2]);
  assertDType('applyPenalties', 'logits', logits, ['f32']);
  const [B, V] = logits.shape as [number, number];
  if (seen.length !== B || params.length !== B) throw new ShapeMismatchError(`applyPenalties: ${seen.length} seen lists and ${params.length} parameter sets for logits ${shapeString(logits.shape)}`);
  params.forEach(checkParams);
  const rows = seen.map(seenCounts);
  const L = Math.max(1, ...rows.map((r) => r.size));
  const entries = new Int32Array(B * L * 2).fill(-1);
  rows.forEach((counts, b) => {
    let j = 0;
    for (const [id, count] of counts) entries.set([id, count], (b * L + j++) * 2);
  });
  const device = logits.device;
  const ids = Tensor.from(device, entries, [B, L * 2], 'i32');
  const rowParams = Tensor.from(device, params.flatMap((p) => [p.repetition, p.presence, p.frequency, 0]), [B, 4]);
  const kernel = device.kernels.get('penalties');
  device.recorder.dispatch(kernel, [V, L, B * L], [ids.buffer, rowParams.buffer, logits.buffer], grid(Math.ceil((B * L) / 256)));
  ids.dispose();
  rowParams.dispose();
}
