// Per-layer key/value caches (slots,S,KV,D) and each slot's length. A step appends a block of T tokens
// to some of the slots, left-padded: row b's n_b new tokens are the last n_b of the block, so they land
// at positions len_b … len_b+n_b−1 and the pads before them fall outside the cache. Training and
// one-shot forwards step every slot in order (append); the engine steps any subset (appendRows), the
// kernels reading each row's slot from the step's second index row.
import { ShapeMismatchError } from '../errors.js';
import type { Device } from '../gpu/device.js';
import type { QwenConfig } from '../io/config.js';
import { Tensor } from '../tensor/tensor.js';

/** GPU inputs of one step, derived from the lengths on the CPU. */
export interface StepInputs {
  /** Rows in the step's block. */
  B: number;
  T: number;
  /** (B) i32 each row's cache length after this step, or (2,B) with each row's slot below. */
  kvLengths: Tensor;
  /** (B) or (2,B) i32, where the block's first row lands in each row's slot (negative: leading pads dropped). */
  offsets: Tensor;
  /** (B,T) i32, the RoPE position of every token of the block. */
  positions: Tensor;
}

export class KvCache {
  readonly keys: Tensor[];
  readonly values: Tensor[];
  readonly lengths: number[];

  constructor(
    readonly device: Device,
    config: QwenConfig,
    /** Slots: sequences the cache holds at once. */
    readonly batch: number,
    /** Positions per slot. */
    readonly capacity: number,
  ) {
    const shape = [batch, capacity, config.numKvHeads, config.headDim];
    this.keys = Array.from({ length: config.numLayers }, () => Tensor.empty(device, shape));
    this.values = Array.from({ length: config.numLayers }, () => Tensor.empty(device, shape));
    this.lengths = new Array<number>(batch).fill(0);
  }

  /** Reserves `newTokens[b]` positions in every slot b for a block of T = max(newTokens) and returns the step's inputs. */
  append(newTokens: readonly number[]): StepInputs {
    if (newTokens.length !== this.batch) throw new ShapeMismatchError(`KvCache.append: ${newTokens.length} sequences for a cache of batch ${this.batch}`);
    const { T, after, offsets, positions } = this.reserve(newTokens.map((_, b) => b), newTokens);
    const B = this.batch;
    return { B, T, kvLengths: Tensor.from(this.device, after, [B], 'i32'), offsets: Tensor.from(this.device, offsets, [B], 'i32'), positions: Tensor.from(this.device, positions, [B, T], 'i32') };
  }

  /** Reserves `newTokens[b]` positions in slot `slots[b]` (distinct) for a block of rows in that order. */
  appendRows(slots: readonly number[], newTokens: readonly number[]): StepInputs {
    if (slots.length !== newTokens.length || slots.length === 0) throw new ShapeMismatchError(`KvCache.appendRows: ${slots.length} slots for ${newTokens.length} token counts`);
    if (new Set(slots).size !== slots.length) throw new RangeError(`KvCache.appendRows: slots ${slots.join(', ')} repeat`);
    const bad = slots.find((s) => !Number.isInteger(s) || s < 0 || s >= this.batch);
    if (bad !== undefined) throw new RangeError(`KvCache.appendRows: slot ${bad} is outside 0..${this.batch - 1}`);
    const { T, after, offsets, positions } = this.reserve(slots, newTokens);
    const B = slots.length;
    return {
      B,
      T,
      kvLengths: Tensor.from(this.device, [...after, ...slots], [2, B], 'i32'),
      offsets: Tensor.from(this.device, [...offsets, ...slots], [2, B], 'i32'),
      positions: Tensor.from(this.device, positions, [B, T], 'i32'),
    };
  }

  /** Empties a slot for its next sequence (its stale keys are never read: lengths bound every read). */
  reset(slot: number): void {
    this.lengths[slot] = 0;
  }

  private reserve(slots: readonly number[], newTokens: readonly number[]): { T: number; after: number[]; offsets: number[]; positions: number[] } {
    const T = Math.max(...newTokens);
    const after = slots.map((s, b) => this.lengths[s]! + newTokens[b]!);
    const full = after.findIndex((len) => len > this.capacity);
    if (full >= 0) throw new RangeError(`KvCache: sequence ${slots[full]} would hold ${after[full]} positions, past the cache capacity ${this.capacity}`);
    const offsets = after.map((len) => len - T);
    const positions = offsets.flatMap((o) => Array.from({ length: T }, (_, t) => Math.max(0, o + t)));
    slots.forEach((s, b) => (this.lengths[s] = after[b]!));
    return { T, after, offsets, positions };
  }

  dispose(): void {
    for (const t of [...this.keys, ...this.values]) t.dispose();
  }
}

export function disposeStep(step: StepInputs): void {
  step.kvLengths.dispose();
  step.offsets.dispose();
  step.positions.dispose();
}
