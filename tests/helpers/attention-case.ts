// The attention shapes and options a forward or backward test case runs at.
import type { AttentionMemory } from '../../src/tensor/ops/attention-texture.js';

export interface AttentionCase {
  B: number;
  T: number;
  H: number;
  KV: number;
  D: number;
  S?: number;
  pastLength?: number;
  kvLength?: number;
  kvLengths?: number[];
  scale?: number;
  /** The forward's prefill kernel; default the adapter's. */
  prefill?: AttentionMemory;
  /** The backward's kernels; default the adapter's. */
  backward?: AttentionMemory;
}
