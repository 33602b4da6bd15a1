// The CPU adapters' attention kernels (shaders/lib/attention-texture.wgsl): the prefill's cache, and the
// backward's q, dOut, k, v and row statistics, copied into scratch row textures before each call and read
// straight from there by one thread per row. On llvmpipe the tile kernels' workgroup-memory reads go one
// lane at a time; texel fetches are gathered in registers.
import { adapterKind } from '../../gpu/adapter-kind.js';
import type { Device } from '../../gpu/device.js';
import { layerRows, rowsFitTextures, stagedRows } from '../row-texture.js';
import { Tensor } from '../tensor.js';

/** 'tiles' = shaders/lib/attention-tile.wgsl's kernels (the paired rows through workgroup memory), 'textures' = this file's. */
export type AttentionMemory = 'tiles' | 'textures';

/** The whole cache is copied per call, so a large serving cache stays with the tiles. */
const MAX_STAGED_BYTES = 16 * 2 ** 20;

/** Rows a thread of a texture kernel may visit: llvmpipe ends an invocation's loops past 65535 iterations in all. */
const MAX_VISITS = 60000;

/** Row statistics per texel row of the backward's stats texture (64 floats: bytesPerRow a multiple of 256); STATS_PER_ROW in shaders/lib/attention-backward-kv-texture.wgsl. */
const STATS_PER_ROW = 16;

/** The adapter's kind of attention kernel: textures on a CPU adapter. */
export function attentionMemory(device: Device): AttentionMemory {
  return adapterKind(device.info) === 'cpu' ? 'textures' : 'tiles';
}

/** Whether tensors of D-float rows fit row textures: head_dim a multiple of 64 up to 256, each in one binding. */
function headsFit(D: number, ...ts: Tensor[]): boolean {
  if (D % 64 !== 0 || D > 256) return false;
  return ts.every((t) => t.chunks.length === 1 && rowsFitTextures(t.device, 32, D, t.size / D));
}

/** Whether the texture prefill takes this cache: its heads fit, within the copy budget. */
export function texturePrefillFits(k: Tensor, v: Tensor, D: number): boolean {
  return headsFit(D, k, v) && 4 * k.size <= MAX_STAGED_BYTES;
}

/** Whether the texture backward takes these shapes: every operand's heads fit, and no thread visits too many rows. */
export function textureBackwardFits(q: Tensor, k: Tensor, d: { T: number; H: number; KV: number; D: number; S: number }): boolean {
  return headsFit(d.D, q, k) && d.S <= MAX_VISITS && (d.H / d.KV) * (d.T + 1) <= MAX_VISITS;
}

/** (B·H·T rounded up to whole texel rows) vec4 of (lse, delta): written by the dq kernel, staged for the dk/dv kernel. */
export function backwardStats(device: Device, rows: number): Tensor {
  return Tensor.empty(device, [Math.ceil(rows / STATS_PER_ROW) * STATS_PER_ROW, 4]);
}

/** `t`'s rows of D floats (which must fit) in the scratch texture for `slot`. */
export function staged(t: Tensor, slot: string, D: number): GPUTextureView {
  return stagedRows(t.device, slot, t.buffer, t.size / D, D);
}

/** The backward's stats (from backwardStats) in their scratch texture. */
export function stagedStats(stats: Tensor): GPUTextureView {
  return stagedRows(stats.device, 'stats', stats.buffer, stats.size / (4 * STATS_PER_ROW), 4 * STATS_PER_ROW);
}

/** A texture kernel's overrides beside the masks. */
export function textureOverrides(device: Device, D: number): { HEAD_DIM: number; LAYER_ROWS: number } {
  return { HEAD_DIM: D, LAYER_ROWS: layerRows(device) };
}
