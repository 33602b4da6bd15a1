// The CPU adapters' prefill attention (shaders/attention_prefill_texture_d*.wgsl): the cache's keys
// and values copied into scratch row textures before each call, read straight from there by one
// thread per query. On llvmpipe the tile kernel's workgroup-memory reads go one lane at a time;
// texel fetches are gathered in registers.
import { adapterKind } from '../../gpu/adapter-kind.js';
import { layerRows, rowsFitTextures, stagedRows } from '../row-texture.js';
import type { Tensor } from '../tensor.js';

/** 'tiles' = shaders/lib/attention-prefill.wgsl (k and v through workgroup memory), 'textures' = this file's kernel. */
export type PrefillVariant = 'tiles' | 'textures';

/** The whole cache is copied per call, so a large serving cache stays with the tiles. */
const MAX_STAGED_BYTES = 16 * 2 ** 20;

/** The adapter's prefill kernel: textures on a CPU adapter. */
export function prefillVariant(k: Tensor): PrefillVariant {
  return adapterKind(k.device.info) === 'cpu' ? 'textures' : 'tiles';
}

/** Whether the texture kernel takes this cache: head_dim a multiple of 64 up to 256, one binding each, within the copy budget. */
export function texturePrefillFits(k: Tensor, v: Tensor, D: number): boolean {
  if (D % 64 !== 0 || D > 256 || k.chunks.length !== 1 || v.chunks.length !== 1) return false;
  return 4 * k.size <= MAX_STAGED_BYTES && rowsFitTextures(k.device, 32, D, k.size / D);
}

/** The cache's keys and values (which must fit) staged into their scratch textures, and the kernel's overrides beside the masks. */
export function stagePrefillCache(k: Tensor, v: Tensor, D: number): { k: GPUTextureView; v: GPUTextureView; overrides: { HEAD_DIM: number; LAYER_ROWS: number } } {
  const device = k.device;
  const rows = k.size / D;
  return { k: stagedRows(device, 'k', k.buffer, rows, D), v: stagedRows(device, 'v', v.buffer, rows, D), overrides: { HEAD_DIM: D, LAYER_ROWS: layerRows(device) } };
}
