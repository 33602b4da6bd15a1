// Dispatch planning for shaders/matmul.wgsl, shared by matmul's forward and backward:
// C (+)= op(A)·op(B) (+ bias), where each operand may be transposed as stored and split into row
// chunks. The M, N and K ranges are cut wherever a chunk boundary falls; the pieces of a split K are
// summed by the kernel's ACCUMULATE, so an LM head chunked along V works as either operand.
import { adapterKind } from '../gpu/adapter-kind.js';
import type { AdapterSummary } from '../gpu/device.js';
import type { Overrides } from '../gpu/kernels.js';
import { floatCode } from './dtype.js';
import { textureGemm, textureGemmFits } from './gemm-texture.js';
import type { Chunk, Tensor } from './tensor.js';

/** Register block per thread: 8×8 (a 128×128 tile, 16 KiB of workgroup memory) wherever the limits allow. */
export function matmulTile(limits: GPUSupportedLimits): { TM: number; TN: number } {
  const bytes = (tm: number, tn: number) => 16 * 16 * (tm + tn) * 4;
  for (const [TM, TN] of [[8, 8], [8, 4], [4, 4]] as const) {
    if (bytes(TM, TN) <= limits.maxComputeWorkgroupStorageSize && limits.maxComputeInvocationsPerWorkgroup >= 256) return { TM, TN };
  }
  return { TM: 2, TN: 2 };
}

/**
 * 'tiled' = shaders/matmul.wgsl (staged workgroup tiles, for GPUs and for big products everywhere);
 * 'registers' = shaders/matmul_registers.wgsl (a 4×4 register block per invocation walking K, no barriers);
 * 'wide' = shaders/matmul_registers_wide.wgsl (the same with a 16×16 block);
 * 'textures' = shaders/matmul_texture.wgsl (a 16×16 block over operands in textures, gemm-texture.ts:
 * what a CPU adapter takes instead of 'wide' for activations times a frozen 16-bit weight).
 */
export type MatmulVariant = 'tiled' | 'registers' | 'wide' | 'textures';

/** At or below this M or N a 128×128 tile is mostly padding (LoRA's rank side). */
const SKINNY = 32;

/**
 * CPU adapters take 'registers' for skinny outputs (M or N ≤ 32: 3.6–6.4× the tiled kernel in
 * interleaved A/Bs at the LoRA step's shapes) and 'wide' for the rest (2.2–2.4× the tiled kernel at
 * the bench model's prefill and training shapes, a thin K included), except where the product adds
 * into c: the wide block's 16·16 unrolled reads of c take llvmpipe seconds to compile, so those stay
 * tiled. GPUs take the tiled kernel.
 */
export function matmulVariant(info: AdapterSummary, M: number, N: number, accumulate = false): MatmulVariant {
  if (adapterKind(info) !== 'cpu') return 'tiled';
  if (Math.min(M, N) <= SKINNY) return 'registers';
  return accumulate ? 'tiled' : 'wide';
}

export interface GemmSpec {
  /** (M,K) as stored, or (K,M) with transA; f32. */
  a: Tensor;
  transA?: boolean;
  /** (K,N) as stored, or (N,K) with transB; f32, bf16 or f16. */
  b: Tensor;
  transB?: boolean;
  /** (M,N) f32 output. */
  c: Tensor;
  M: number;
  N: number;
  K: number;
  /** Independent products with these element strides; every operand must then fit one binding. */
  batch?: { count: number; a: number; b: number; c: number };
  /** (N), added once per output element. */
  bias?: Tensor;
  /** Add to what c holds instead of overwriting it. */
  accumulate?: boolean;
  /** The kernel; by default matmulVariant's choice for the adapter and shape. */
  variant?: MatmulVariant;
}

/** The register-block kernels and their block side (R in each file). */
const REGISTER_BLOCKS = { registers: { name: 'matmul_registers', side: 4 }, wide: { name: 'matmul_registers_wide', side: 16 } } as const;

/** PAIRED_K of shaders/lib/register-gemm.wgsl: a transposed 16-bit B laid out so that each word holds two k of one column. */
function pairsK(s: GemmSpec, bCode: number, bOffset: number, kLength: number, bBatchStride: number): boolean {
  return (s.transB ?? false) && bCode !== 0 && [s.b.cols, bOffset, kLength, bBatchStride].every((x) => x % 2 === 0);
}

/**
 * Thin outputs (N ≤ SKINNY, taller than wide: LoRA's x·Aᵀ and dy·B) run invocation x along M: llvmpipe fills
 * its SIMD lanes along x alone, and N along x left most of them idle (7.1× the registers kernel for x·Aᵀ at
 * 1024×16×512 in an interleaved A/B, textures against registers).
 */
function mAlongX(s: GemmSpec): boolean {
  return s.N <= SKINNY && s.M > s.N;
}

/** 'textures' when asked for, or where a CPU adapter would take 'wide' or a thin 'registers' and the operands fit textures. */
function usesTextures(s: GemmSpec): boolean {
  if (s.variant) return s.variant === 'textures';
  const variant = matmulVariant(s.c.device.info, s.M, s.N, s.accumulate);
  return (variant === 'wide' || (variant === 'registers' && mAlongX(s))) && textureGemmFits(s);
}

/** Kernel, its tile overrides and the output block one workgroup covers, for a dispatch that adds into c or not. */
function kernelOf(s: GemmSpec, accumulate: boolean): { name: string; overrides: Overrides; block: [number, number]; mAlongX: boolean } {
  const device = s.c.device;
  const variant = s.variant ?? matmulVariant(device.info, s.M, s.N, accumulate);
  if (variant === 'registers' || variant === 'wide') {
    const { name, side } = REGISTER_BLOCKS[variant];
    const along = mAlongX(s);
    return { name, overrides: { M_ALONG_X: along }, block: [8 * side, 8 * side], mAlongX: along };
  }
  const tile = matmulTile(device.limits);
  return { name: 'matmul', overrides: tile, block: [16 * tile.TM, 16 * tile.TN], mAlongX: false };
}

/** [lo, hi) ranges of [0, n) cut at the given points; one empty range when n is 0 (a product over K = 0 still writes). */
function ranges(cuts: number[], n: number): [number, number][] {
  const points = [...new Set([0, ...cuts.filter((x) => x > 0 && x < n), n])].sort((x, y) => x - y);
  if (n === 0) return [[0, 0]];
  return points.slice(1).map((hi, i) => [points[i]!, hi]);
}

function rowStarts(t: Tensor): number[] {
  return t.chunks.map((c) => c.rowStart);
}

/** Buffer and element offset of stored element (row, col). */
function locate(t: Tensor, row: number, col: number): { buffer: GPUBuffer; offset: number } {
  const chunks = t.chunks;
  let chunk: Chunk = chunks[0]!;
  for (const c of chunks) if (c.rowStart <= row) chunk = c;
  return { buffer: chunk.buffer, offset: (row - chunk.rowStart) * t.cols + col };
}

export function gemm(s: GemmSpec): void {
  const { M, N, K } = s;
  if (M === 0 || N === 0) return;
  const device = s.c.device;
  if (usesTextures(s)) return textureGemm(s, mAlongX(s));
  const batch = s.batch ?? { count: 1, a: 0, b: 0, c: 0 };
  const mCuts = [...rowStarts(s.c), ...(s.transA ? [] : rowStarts(s.a))];
  const nCuts = s.transB ? rowStarts(s.b) : [];
  const kCuts = [...(s.transA ? rowStarts(s.a) : []), ...(s.transB ? [] : rowStarts(s.b))];
  for (const [m0, m1] of ranges(mCuts, M)) {
    for (const [n0, n1] of ranges(nCuts, N)) {
      ranges(kCuts, K).forEach(([k0, k1], i) => {
        const bias = i === 0 ? s.bias : undefined;
        const accumulate = (s.accumulate ?? false) || i > 0;
        const { name, overrides, block, mAlongX: alongM } = kernelOf(s, accumulate);
        const a = s.transA ? locate(s.a, k0, m0) : locate(s.a, m0, k0);
        const b = s.transB ? locate(s.b, n0, k0) : locate(s.b, k0, n0);
        const c = locate(s.c, m0, n0);
        const bCode = floatCode(s.b.dtype, 'matmul: B');
        const paired: Overrides = name === 'matmul' ? {} : { PAIRED_K: pairsK(s, bCode, b.offset, k1 - k0, batch.b) };
        const kernel = device.kernels.get(name, {
          ...overrides,
          ...paired,
          TRANS_A: s.transA ?? false,
          TRANS_B: s.transB ?? false,
          ACCUMULATE: accumulate,
          B_DTYPE: bCode,
          HAS_BIAS: bias !== undefined,
          BIAS_DTYPE: bias ? floatCode(bias.dtype, 'matmul: bias') : 0,
        });
        const [m, n] = [m1 - m0, n1 - n0];
        const params = [m, n, k1 - k0, batch.a, batch.b, batch.c, a.offset, b.offset, c.offset, s.a.cols, s.b.cols, s.c.cols, n0];
        const [gm, gn] = [Math.ceil(m / block[0]), Math.ceil(n / block[1])];
        const groups: [number, number, number] = alongM ? [gm, gn, batch.count] : [gn, gm, batch.count];
        // An unused bias binding still needs a buffer; b stands in.
        device.recorder.dispatch(kernel, params, [a.buffer, b.buffer, bias?.buffer ?? b.buffer, c.buffer], groups);
      });
    }
  }
}
