// The CPU adapters' texture product (shaders/matmul_texture.wgsl) for the products that dominate
// prefill and a LoRA step's forward: activations (M,K) f32 times a frozen 16-bit weight stored
// (N,K), read as Bᵀ. The weight's rows come from its textures (row-texture.ts), the activations are
// copied into a scratch texture first: on llvmpipe (Mesa 22.3) texel fetches are gathered in
// registers where storage loads go one lane at a time through the stack.
import { floatCode } from './dtype.js';
import type { GemmSpec } from './gemm.js';
import { layerRows, rowsFitTextures, rowTextures, rowTexturesFit, stagedRows } from './row-texture.js';

/** Each invocation's block side and the workgroup's side in invocations. */
const BLOCK = 16;
const WORKGROUP = 8;

/** Whether the texture product computes `s`: a plain (unbatched, overwriting) a·bᵀ over single-binding a and c, both in textures. */
export function textureGemmFits(s: GemmSpec): boolean {
  if (s.transA || !s.transB || s.accumulate || (s.batch && s.batch.count > 1)) return false;
  if (s.a.chunks.length !== 1 || s.c.chunks.length !== 1 || s.a.cols !== s.K || s.c.cols !== s.N) return false;
  return s.b.cols === s.K && rowTexturesFit(s.b) && rowsFitTextures(s.a.device, 32, s.K, s.M);
}

/** Records the product (which must fit): the activations staged once, then one dispatch per row chunk of the weight. */
export function textureGemm(s: GemmSpec): void {
  const device = s.c.device;
  const a = stagedRows(device, s.a.buffer, 0, s.M, s.K);
  const views = rowTextures(s.b);
  const kernel = device.kernels.get('matmul_texture', {
    B_DTYPE: floatCode(s.b.dtype, 'matmul: B'),
    HAS_BIAS: s.bias !== undefined,
    BIAS_DTYPE: s.bias ? floatCode(s.bias.dtype, 'matmul: bias') : 0,
    LAYER_ROWS: layerRows(device),
  });
  const side = BLOCK * WORKGROUP;
  s.b.chunks.forEach((bc, i) => {
    const params = [s.M, bc.rows, s.K, bc.rowStart, s.N, bc.rowStart];
    // An unused bias binding still needs a buffer; c stands in only as storage it already is, so a's buffer does.
    const bindings = [a, views[i]!, s.bias?.buffer ?? s.a.buffer, s.c.buffer];
    device.recorder.dispatch(kernel, params, bindings, [Math.ceil(bc.rows / side), Math.ceil(s.M / side), 1]);
  });
}
