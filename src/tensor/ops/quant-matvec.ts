// The 4-bit decode products, in the variant the adapter suits (src/gpu/adapter-kind.ts):
// lanes = shaders/quant_matvec.wgsl 'rows', columns = shaders/quant_matvec_columns.wgsl.
// quantMatmul picks one when it fits; benches and tests call a variant by name.
import { matvecVariant, type MatvecVariant } from '../../gpu/adapter-kind.js';

/** The 4-bit products' variants: lanes and columns. */
export type QuantMatvecVariant = Exclude<MatvecVariant, 'subgroups' | 'textures'>;
import type { Overrides } from '../../gpu/kernels.js';
import { grid } from '../../gpu/recorder.js';
import type { QuantTensor } from '../../quant/quant-tensor.js';
import type { Tensor } from '../tensor.js';

/** quant_matvec.wgsl's partial sums live in workgroup memory for up to this many rows. */
const LANES_MAX_M = 8;
/** quant_matvec_columns.wgsl keeps its sums in registers: the engine's whole 32-row decode batch. */
const COLUMNS_MAX_M = 32;
const COLUMNS_WG = 64;

/** y = x·Wᵀ (+ bias): x (M,K) and y (M,N) single bindings; `overrides` carry the layout and bias. */
export interface QuantMatvecArgs {
  x: Tensor;
  w: QuantTensor;
  out: Tensor;
  M: number;
  bias?: Tensor;
  overrides: Overrides;
  /** columns only: output columns per invocation (1, 2 or 4); default quantColumnsPerInvocation(M). */
  cols?: number;
}

/** Columns per invocation of the columns variant: at one or two rows the code-book lookups of four rows at once overflow registers. */
export function quantColumnsPerInvocation(M: number): number {
  return M <= 2 ? 2 : M <= 16 ? 4 : 2;
}

/** Lanes per weight row in the lanes variant: enough for about four code words each, 8 to 32. */
function decodeLanes(K: number): number {
  let lanes = 8;
  while (lanes < 32 && lanes * 4 < K / 8) lanes *= 2;
  return lanes;
}

/** Whether `variant` computes this product: its row limit, and for columns rows of whole vec4s of codes (K a multiple of 32). */
export function quantMatvecFits(variant: QuantMatvecVariant, p: QuantMatvecArgs): boolean {
  const single = p.x.chunks.length === 1 && p.out.chunks.length === 1;
  if (variant === 'columns') return single && p.M <= COLUMNS_MAX_M && p.w.shape[1] % 32 === 0 && p.w.layout.blockSize % 32 === 0;
  return single && p.M <= LANES_MAX_M;
}

/** The adapter's variant where it fits (a CPU adapter's columns falling back to lanes), else undefined (the tiled kernel). */
export function pickQuantMatvec(p: QuantMatvecArgs): QuantMatvecVariant | undefined {
  const order: QuantMatvecVariant[] = matvecVariant(p.x.device.info) === 'columns' ? ['columns', 'lanes'] : ['lanes'];
  return order.find((v) => quantMatvecFits(v, p));
}

/** Records the product in `variant` (which must fit it), one dispatch per row chunk of w. */
export function quantMatvec(variant: QuantMatvecVariant, p: QuantMatvecArgs): void {
  const device = p.x.device;
  const [N, K] = p.w.shape;
  const lanes = decodeLanes(K);
  const cols = p.cols ?? quantColumnsPerInvocation(p.M);
  const kernel =
    variant === 'columns'
      ? device.kernels.get('quant_matvec_columns', { ...p.overrides, M: p.M, WG: COLUMNS_WG, COLS: cols })
      : device.kernels.get('quant_matvec', { ...p.overrides, M: p.M, LANES: lanes }, 'rows');
  for (const wc of p.w.chunks) {
    const params = variant === 'columns' ? [wc.rows, K, N, wc.rowStart] : [wc.rows, K, K, 0, N, wc.rowStart];
    const groups = variant === 'columns' ? Math.ceil(wc.rows / (COLUMNS_WG * cols)) : Math.ceil((wc.rows * lanes) / 256);
    const buffers = [p.x.buffer, wc.codes, wc.scales, p.w.codebook, p.out.buffer, p.bias?.buffer ?? p.x.buffer];
    device.recorder.dispatch(kernel, params, buffers, grid(groups));
  }
}
