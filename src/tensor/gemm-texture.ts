// The CPU adapters' texture product (shaders/matmul_texture.wgsl) for the products that dominate
// prefill and a LoRA step: activations (M,K) f32 times a weight, read as Bᵀ (the forward, b stored
// (N,K)) or as stored (the input gradient, b (K,N)). A frozen 16-bit weight's rows come from its
// textures (row-texture.ts); activations and f32 weights are copied into scratch textures before
// each product. On llvmpipe (Mesa 22.3) texel fetches are gathered in registers where storage
// loads go one lane at a time through the stack.
import { floatCode } from './dtype.js';
import type { GemmSpec } from './gemm.js';
import { layerRows, rowsFitTextures, rowTextures, rowTexturesFit, stagedRows } from './row-texture.js';
import type { Tensor } from './tensor.js';

/** Each invocation's block side and the workgroup's side in invocations. */
const BLOCK = 16;
const WORKGROUP = 8;

/** Whether b's chunks fit textures: a frozen 16-bit weight's own, or f32 rows staged per product. */
function weightFits(b: Tensor): boolean {
  if (b.dtype === 'f32') return b.chunks.every((c) => rowsFitTextures(b.device, 32, b.cols, c.rows));
  return rowTexturesFit(b);
}

/**
 * Whether the texture product computes `s`: a plain (unbatched, overwriting) a·op(b) over
 * single-binding a and c; b stored (K,N) must be one binding too, with N a multiple of the block.
 */
export function textureGemmFits(s: GemmSpec): boolean {
  if (s.transA || s.accumulate || (s.batch && s.batch.count > 1)) return false;
  if (s.a.chunks.length !== 1 || s.c.chunks.length !== 1 || s.a.cols !== s.K || s.c.cols !== s.N) return false;
  if (!rowsFitTextures(s.a.device, 32, s.K, s.M)) return false;
  if (s.transB) return s.b.cols === s.K && weightFits(s.b);
  return s.b.chunks.length === 1 && s.b.cols === s.N && s.N % BLOCK === 0 && weightFits(s.b);
}

/**
 * Records the product (which must fit): the activations staged once, then one dispatch per row chunk of a
 * transposed weight; `mAlongX` for a thin N (gemm.ts's call), a row of 8 invocations a workgroup along M.
 */
export function textureGemm(s: GemmSpec, mAlongX: boolean): void {
  const device = s.c.device;
  const a = stagedRows(device, 'a', s.a.buffer, s.M, s.K);
  const own = s.b.dtype === 'f32' ? undefined : rowTextures(s.b);
  const kernel = device.kernels.get(
    'matmul_texture',
    {
      B_DTYPE: floatCode(s.b.dtype, 'matmul: B'),
      HAS_BIAS: s.bias !== undefined,
      BIAS_DTYPE: s.bias ? floatCode(s.bias.dtype, 'matmul: bias') : 0,
      LAYER_ROWS: layerRows(device),
      M_ALONG_X: mAlongX,
      WG_Y: mAlongX ? 1 : WORKGROUP,
    },
    s.transB ? 'main' : 'plain',
  );
  s.b.chunks.forEach((bc, i) => {
    const [n0, n] = s.transB ? [bc.rowStart, bc.rows] : [0, s.N];
    const params = [s.M, n, s.K, n0, s.N, n0];
    // f32 chunks share one scratch texture, so each is staged just before its dispatch.
    const b = own?.[i] ?? stagedRows(device, 'b', bc.buffer, bc.rows, s.b.cols);
    // An unused bias binding still needs a buffer; a's (read-only here) stands in.
    const bindings = [a, b, s.bias?.buffer ?? s.a.buffer, s.c.buffer];
    const side = BLOCK * WORKGROUP;
    const groups: [number, number, number] = mAlongX ? [Math.ceil(s.M / side), Math.ceil(n / BLOCK), 1] : [Math.ceil(n / side), Math.ceil(s.M / side), 1];
    device.recorder.dispatch(kernel, params, bindings, groups);
  });
}
