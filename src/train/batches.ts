// Seeded data order, length-grouped micro-batches and right padding for causal LM training.
// Right padding needs no attention mask: causal attention never lets a real token see a later pad,
// and pads carry label −100.
import { Rng } from '../cpu/random.js';
import { IGNORE_INDEX } from '../tensor/ops/cross-entropy.js';
import type { LabelledExample } from './labels.js';

export interface Batch {
  /** (B,T) row-major, right-padded. */
  inputIds: number[];
  labels: number[];
  B: number;
  T: number;
  /** Tokens whose (shifted) label counts toward the loss. */
  counted: number;
}

/** Fisher–Yates with the given stream, so an epoch's order is a function of (seed, epoch). */
export function shuffled(n: number, rng: Rng): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

/** HF's group_by_length: megabatches of 50 batches, each sorted longest first, so a batch pads little. */
export function lengthGrouped(order: number[], lengths: readonly number[], batchSize: number): number[] {
  const mega = 50 * batchSize;
  const out: number[] = [];
  for (let i = 0; i < order.length; i += mega) out.push(...order.slice(i, i + mega).sort((a, b) => lengths[b]! - lengths[a]!));
  return out;
}

/** Labels that count after HF's shift: position t predicts labels[t+1]. */
export function countedTokens(labels: readonly number[]): number {
  return labels.slice(1).filter((l) => l !== IGNORE_INDEX).length;
}

export function padBatch(examples: readonly LabelledExample[], padId: number): Batch {
  const T = Math.max(...examples.map((e) => e.input_ids.length));
  const inputIds: number[] = [];
  const labels: number[] = [];
  let counted = 0;
  for (const e of examples) {
    if (e.labels.length !== e.input_ids.length) {
      throw new RangeError(`batch: labels (${e.labels.length}) and input_ids (${e.input_ids.length}) differ in length`);
    }
    const pad = T - e.input_ids.length;
    inputIds.push(...e.input_ids, ...new Array<number>(pad).fill(padId));
    labels.push(...e.labels, ...new Array<number>(pad).fill(IGNORE_INDEX));
    counted += countedTokens(e.labels);
  }
  return { inputIds, labels, B: examples.length, T, counted };
}
