// Per-layer key/value caches (B,S,KV,D) and each sequence's length. A step appends a block of T
// tokens per sequence, left-padded: sequence b's n_b new tokens are the last n_b of the block, so
// they land at positions len_b … len_b+n_b−1 and the pads before them fall outside the cache.
import { ShapeMismatchError } from '../errors.js';
import type { Device } from '../gpu/device.js';
import type { QwenConfig } from '../io/config.js';
import { Tensor } from '../tensor/tensor.js';

/** GPU inputs of one step, derived from the lengths on the CPU. */
export interface StepInputs {
  T: number;
  /** (B) i32, each sequence's cache length after this step. */
  kvLengths: Tensor;
  /** (B) i32, where the block's first row lands in each sequence (negative: leading pads dropped). */
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
    readonly batch: number,
    readonly capacity: number,
  ) {
    const shape = [batch, capacity, config.numKvHeads, config.headDim];
    this.keys = Array.from({ length: config.numLayers }, () => Tensor.empty(device, shape));
    this.values = Array.from({ length: config.numLayers }, () => Tensor.empty(device, shape));
    this.lengths = new Array<number>(batch).fill(0);
  }

  /** Reserves `newTokens[b]` positions per sequence for a block of T = max(newTokens) and returns the step's inputs. */
  append(newTokens: readonly number[]): StepInputs {
    if (newTokens.length !== this.batch) throw new ShapeMismatchError(`KvCache.append: ${newTokens.length} sequences for a cache of batch ${this.batch}`);
    const T = Math.max(...newTokens);
    const after = this.lengths.map((len, b) => len + newTokens[b]!);
    const full = after.findIndex((len) => len > this.capacity);
    if (full >= 0) throw new RangeError(`KvCache: sequence ${full} would hold ${after[full]} positions, past the cache capacity ${this.capacity}`);
    const offsets = after.map((len) => len - T);
    const positions = offsets.flatMap((o) => Array.from({ length: T }, (_, t) => Math.max(0, o + t)));
    this.lengths.splice(0, this.batch, ...after);
    return {
      T,
      kvLengths: Tensor.from(this.device, after, [this.batch], 'i32'),
      offsets: Tensor.from(this.device, offsets, [this.batch], 'i32'),
      positions: Tensor.from(this.device, positions, [this.batch, T], 'i32'),
    };
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
