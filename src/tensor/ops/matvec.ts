// Decode products: a few rows of activations against a weight read once for all of them, in the
// variant the adapter suits (src/gpu/adapter-kind.ts). matmul picks one when it fits the product;
// benches and tests call a variant by name.
import { matvecVariant, type MatvecVariant } from '../../gpu/adapter-kind.js';
import type { Binding } from '../../gpu/bind-groups.js';
import type { Device } from '../../gpu/device.js';
import { grid } from '../../gpu/recorder.js';
import { floatCode } from '../dtype.js';
import { layerRows, rowTextures, rowTexturesFit } from '../row-texture.js';
import type { Tensor } from '../tensor.js';

export type { MatvecVariant };

/** shaders/matvec.wgsl reads each weight once for up to this many rows (its partial sums live in workgroup memory). */
const LANES_MAX_M = 8;
/** shaders/matvec_columns.wgsl keeps its rows' sums in registers, so it takes the engine's whole 32-row decode batch. */
const COLUMNS_MAX_M = 32;
const COLUMNS_WG = 64;
/** shaders/matvec_texture.wgsl's uniform block of a: 64 KiB, as many rows as fit staged at a time. */
const STAGED_FLOATS = 16384;

/** c = a·bᵀ (transB, b stored (N,K)) or a·b (b stored (K,N)), + bias; a and c single bindings. */
export interface MatvecArgs {
  a: Tensor;
  b: Tensor;
  out: Tensor;
  M: number;
  K: number;
  N: number;
  transB: boolean;
  bias?: Tensor;
  /** Add the product to what out holds (a residual add in the same dispatch). */
  accumulate?: boolean;
  /** columns and textures only: a second weight like b; out = silu(a·bᵀ)·(a·upᵀ), SwiGLU's gate and up in one pass. */
  up?: Tensor;
  /** columns and textures only: output columns per invocation (1, 2 or 4); default columnsPerInvocation(M). */
  cols?: number;
}

/** An up weight the gated product can read beside b: b's shape and dtype (so the same row chunks), no bias. */
function gatesWith(p: MatvecArgs, up: Tensor): boolean {
  return p.bias === undefined && up.dtype === p.b.dtype && up.shape.length === p.b.shape.length && up.shape.every((x, i) => x === p.b.shape[i]);
}

/**
 * Whether `variant` computes this product: its row limit, for columns vec4-aligned weight rows
 * (K a multiple of 8, 4 for f32), for textures 16-bit weights whose rows fit textures and a device
 * that binds a 64 KiB uniform block, for subgroups rows of b and a device with the feature. Only
 * columns and textures compute a gated product.
 */
export function matvecFits(variant: MatvecVariant, p: MatvecArgs): boolean {
  const single = p.a.chunks.length === 1 && p.out.chunks.length === 1;
  const columnar = variant === 'columns' || variant === 'textures';
  if (p.up && (!columnar || !gatesWith(p, p.up))) return false;
  if (variant === 'textures') {
    const staged = p.K <= STAGED_FLOATS && p.a.device.limits.maxUniformBufferBindingSize >= 4 * STAGED_FLOATS;
    return single && p.transB && p.M <= COLUMNS_MAX_M && staged && rowTexturesFit(p.b);
  }
  if (variant === 'columns') return single && p.transB && p.M <= COLUMNS_MAX_M && p.K % (p.b.dtype === 'f32' ? 4 : 8) === 0;
  if (variant === 'subgroups') return single && p.transB && p.M <= LANES_MAX_M && p.a.device.features.subgroups;
  return single && p.M <= LANES_MAX_M && (p.transB || p.b.chunks.length === 1);
}

/**
 * The device's variant where it fits, else undefined (a tiled matmul). A CPU adapter takes
 * textures for frozen 16-bit weights, else columns, falling back to lanes for rows that are not
 * vec4-aligned; a GPU's subgroups fall back to lanes for b stored (K,N); a GPU never falls to
 * columns, whose per-invocation rows would not coalesce there.
 */
export function pickMatvec(p: MatvecArgs): MatvecVariant | undefined {
  const { info, features } = p.a.device;
  const preferred = matvecVariant(info, features);
  const order: MatvecVariant[] = preferred === 'lanes' ? ['lanes'] : preferred === 'columns' ? ['textures', 'columns', 'lanes'] : [preferred, 'lanes'];
  return order.find((v) => matvecFits(v, p));
}

/** Columns per invocation of the columns variant: enough to share each load of a, few enough that M·COLS sums stay in registers. */
export function columnsPerInvocation(M: number): number {
  return M <= 16 ? 4 : 2;
}

function overridesOf(p: MatvecArgs) {
  const bias = { HAS_BIAS: p.bias !== undefined, BIAS_DTYPE: p.bias ? floatCode(p.bias.dtype, 'bias') : 0 };
  return { B_DTYPE: floatCode(p.b.dtype, 'B'), ...bias, M: p.M, ACCUMULATE: p.accumulate ?? false };
}

/** Records the product in `variant` (which must fit it), one dispatch per row chunk of b. */
export function matvec(variant: MatvecVariant, p: MatvecArgs): void {
  if (variant === 'textures') return matvecTextures(p);
  const device = p.a.device;
  const cols = p.cols ?? columnsPerInvocation(p.M);
  const kernel =
    variant === 'columns'
      ? device.kernels.get('matvec_columns', { ...overridesOf(p), WG: COLUMNS_WG, COLS: cols, GATED: p.up !== undefined })
      : variant === 'subgroups'
        ? device.kernels.get('matvec_subgroups', overridesOf(p))
        : device.kernels.get('matvec', overridesOf(p), p.transB ? 'rowsOfB' : 'colsOfB');
  p.b.chunks.forEach((bc, i) => {
    // Only a transposed B is chunked here, along N: each chunk fills columns [rowStart, rowStart+rows).
    const n = p.b.chunks.length > 1 ? bc.rows : p.N;
    const groups = variant === 'columns' ? Math.ceil(n / (COLUMNS_WG * cols)) : p.transB ? Math.ceil(n / 8) : Math.ceil(n / 256);
    // Unused bias and up bindings still need a buffer; the chunk of b stands in.
    const buffers = [p.a.buffer, bc.buffer, p.bias?.buffer ?? bc.buffer, p.out.buffer];
    if (variant === 'columns') buffers.push(p.up?.chunks[i]!.buffer ?? bc.buffer);
    device.recorder.dispatch(kernel, [n, p.K, bc.rowStart, p.N, 0], buffers, grid(groups));
  });
}

const staging = new WeakMap<Device, GPUBuffer>();

/** The device's uniform block that a's rows are copied into for the texture product. */
function stagingOf(device: Device): GPUBuffer {
  let buffer = staging.get(device);
  if (!buffer) staging.set(device, (buffer = device.gpu.createBuffer({ size: 4 * STAGED_FLOATS, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST })));
  return buffer;
}

/** The texture product: a's rows staged into the uniform block as many at a time as fit, each group against every chunk's texture. */
function matvecTextures(p: MatvecArgs): void {
  const device = p.a.device;
  const [views, upViews] = [rowTextures(p.b), p.up && rowTextures(p.up)];
  const block = stagingOf(device);
  const perGroup = Math.min(p.M, Math.floor(STAGED_FLOATS / p.K));
  for (let m0 = 0; m0 < p.M; m0 += perGroup) {
    const rows = Math.min(perGroup, p.M - m0);
    const cols = p.cols ?? columnsPerInvocation(rows);
    const overrides = { ...overridesOf({ ...p, M: rows }), WG: COLUMNS_WG, COLS: cols, GATED: p.up !== undefined, LAYER_ROWS: layerRows(device) };
    const kernel = device.kernels.get('matvec_texture', overrides);
    device.recorder.copy(p.a.buffer, 4 * m0 * p.K, block, 0, 4 * rows * p.K);
    p.b.chunks.forEach((bc, i) => {
      const n = p.b.chunks.length > 1 ? bc.rows : p.N;
      // Unused bias and up bindings still need something bound: a's buffer and b's texture stand in.
      const bindings: Binding[] = [block, views[i]!, p.bias?.buffer ?? p.a.buffer, p.out.buffer, upViews?.[i] ?? views[i]!];
      device.recorder.dispatch(kernel, [n, p.K, bc.rowStart, p.N, m0], bindings, grid(Math.ceil(n / (COLUMNS_WG * cols))));
    });
  }
}
