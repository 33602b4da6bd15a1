// attention: causal softmax attention over a KV cache with grouped KV heads (Qwen2/Qwen3).
// The forward saves each row's logsumexp for the backward below it (flash-attention-2: P is recomputed).
import { ShapeMismatchError } from '../../errors.js';
import { f32Bits, grid } from '../../gpu/recorder.js';
import { assertDType, assertRank, assertSameShape } from '../shape.js';
import { shapeString, Tensor } from '../tensor.js';
import { attentionDecodeVariant, decodeKernel, type AttentionDecodeVariant } from './attention-decode.js';
import { attentionMemory, backwardStats, staged, stagedStats, textureBackwardFits, textureOverrides, texturePrefillFits, type AttentionMemory } from './attention-texture.js';

/** Largest head_dim the kernel takes: its 256 threads each own at most one output dim. */
export const MAX_HEAD_DIM = 256;

/**
 * lse of a row that sees no key (a sequence with kvLengths 0, or a query before its sequence's start):
 * −f32 max rather than −∞, since WGSL may assume no infinities. Such rows output zeros.
 */
export const EMPTY_ROW_LSE = -3.4028234663852886e38;

export interface AttentionOptions {
  /** Leading cache positions that hold keys, for every sequence. Default: pastLength + T if pastLength is given, else S. */
  kvLength?: number;
  /** Positions before the first query: query t sits at pastLength + t. Default kvLength − T (0 for prefill). */
  pastLength?: number;
  /**
   * (B) i32, each sequence's valid cache length (ragged batches, left-aligned in the cache); query t of
   * sequence b sits at kvLengths[b] − T + t. Replaces kvLength and pastLength. (2,B) i32 for a slot cache:
   * row 1 names the cache slot of each sequence, and k, v are (slots,S,KV,D) with any number of slots.
   */
  kvLengths?: Tensor;
  /** Multiplies the scores before the softmax. Default 1/√D. */
  scale?: number;
  /** The decode kernel (T < PREFILL_MIN_T), for benches and tests; default the adapter's (./attention-decode.ts). */
  decode?: AttentionDecodeVariant;
  /** The prefill kernel (T ≥ PREFILL_MIN_T), for benches and tests; default the adapter's where it fits (./attention-texture.ts). */
  prefill?: AttentionMemory;
  /** attentionBackward's kernels, likewise. */
  backward?: AttentionMemory;
}

export interface AttentionResult {
  /** (B,T,H,D) f32 */
  out: Tensor;
  /** (B,H,T) f32, logsumexp of each row's scaled scores: saved for the backward. */
  lse: Tensor;
}

interface Dims {
  B: number;
  T: number;
  H: number;
  KV: number;
  D: number;
  S: number;
}

/** kvLengths of shape (2,B): lengths, then each sequence's cache slot. */
function slotted(opts: AttentionOptions): boolean {
  return opts.kvLengths !== undefined && opts.kvLengths.shape.length === 2;
}

function attentionDims(q: Tensor, k: Tensor, v: Tensor, slots: boolean): Dims {
  for (const [name, t] of [['q', q], ['k', k], ['v', v]] as const) {
    assertRank('attention', name, t, [4]);
    assertDType('attention', name, t, ['f32']);
  }
  assertSameShape('attention: k and v', k, v);
  const [B, T, H, D] = q.shape as [number, number, number, number];
  const [kB, S, KV, kD] = k.shape as [number, number, number, number];
  const what = `q ${shapeString(q.shape)} and k ${shapeString(k.shape)}`;
  if (kB !== B && !slots) throw new ShapeMismatchError(`attention: batch sizes differ in ${what}`);
  if (kD !== D) throw new ShapeMismatchError(`attention: head_dim D differs in ${what}`);
  if (KV === 0 || H % KV !== 0) throw new ShapeMismatchError(`attention: heads H=${H} are not a multiple of kv heads KV=${KV} in ${what}`);
  if (D < 1 || D > MAX_HEAD_DIM) throw new ShapeMismatchError(`attention: head_dim D=${D} of ${what} must be 1..${MAX_HEAD_DIM}`);
  return { B, T, H, KV, D, S };
}

/** [pastLength, kvLength] shared by every sequence, checked against the cache. */
function uniformLengths(d: Dims, opts: AttentionOptions): [number, number] {
  const kvLength = opts.kvLength ?? (opts.pastLength !== undefined ? opts.pastLength + d.T : d.S);
  const pastLength = opts.pastLength ?? kvLength - d.T;
  const fits = Number.isInteger(pastLength) && Number.isInteger(kvLength) && pastLength >= 0 && pastLength + d.T <= kvLength && kvLength <= d.S;
  if (!fits) {
    throw new ShapeMismatchError(
      `attention: pastLength ${pastLength} + T ${d.T} must be ≤ kvLength ${kvLength} ≤ cache positions S=${d.S} (k is (B,S,KV,D))`,
    );
  }
  return [pastLength, kvLength];
}

function checkKvLengths(kvLengths: Tensor, d: Dims, opts: AttentionOptions): void {
  assertDType('attention', 'kvLengths', kvLengths, ['i32']);
  const [rows, B] = kvLengths.shape.length === 2 ? kvLengths.shape : [1, kvLengths.shape[0]];
  if (B !== d.B || rows !== (kvLengths.shape.length === 2 ? 2 : 1)) {
    throw new ShapeMismatchError(`attention: kvLengths ${shapeString(kvLengths.shape)} must be (B) = (${d.B}), or (2,B) with cache slots`);
  }
  if (opts.kvLength !== undefined || opts.pastLength !== undefined) {
    throw new ShapeMismatchError('attention: give kvLengths or kvLength/pastLength, not both');
  }
}

/**
 * Queries from which the forward runs shaders/lib/attention-prefill.wgsl (a thread per query) rather than the decode kernel
 * (./attention-decode.ts). Against attention.wgsl, on llvmpipe the former was 2× faster at T = 8, even at T = 4.
 */
export const PREFILL_MIN_T = 8;

/** Rows per block of the row-per-thread kernels (ROWS in shaders/lib/attention-tile.wgsl). */
const ROWS = 64;

/** The file of row-per-thread kernel `name` (shaders/lib/attention-tile.wgsl, or its texture prefill) whose private arrays fit head_dim D most tightly. */
function tileKernel(name: `${'attention_prefill' | 'attention_backward' | 'attention_backward_kv'}${'' | '_texture'}`, D: number): string {
  return `${name}_d${D <= 64 ? 64 : D <= 128 ? 128 : 256}`;
}

/** Overrides of a shaders/lib/attention-tile.wgsl kernel, with the largest tile (≤ ROWS rows) whose two tiles and the backward's lse and delta rows fit workgroup memory. */
function tileOverrides(q: Tensor, d: Dims, opts: AttentionOptions): Record<string, number | boolean> {
  const rowBytes = 2 * Math.ceil(d.D / 8) * 8 * 4;  // a row of each tile, padded to 8 floats
  const rows = Math.min(ROWS, Math.floor((q.device.limits.maxComputeWorkgroupStorageSize - 2 * ROWS * 4) / rowBytes));
  return { HAS_LENGTHS: opts.kvLengths !== undefined, HAS_SLOTS: slotted(opts), HEAD_DIM: d.D, TILE_ROWS: rows };
}

/** The shared uniform block of shaders/lib/attention-common.wgsl, checking the options against q, k, v. */
function prepare(q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions): { d: Dims; params: number[]; lengths: GPUBuffer } {
  const d = attentionDims(q, k, v, slotted(opts));
  const { kvLengths } = opts;
  if (kvLengths) checkKvLengths(kvLengths, d, opts);
  const [pastLength, kvLength] = kvLengths ? [0, 0] : uniformLengths(d, opts);
  const scale = opts.scale ?? 1 / Math.sqrt(d.D);
  // Without kvLengths the binding is unused; q stands in so the layout is complete.
  const lengths = kvLengths?.buffer ?? q.buffer;
  return { d, params: [d.B, d.T, d.H, d.KV, d.D, d.S, pastLength, kvLength, f32Bits(scale)], lengths };
}

/** q: (B,T,H,D) f32, k, v: (B,S,KV,D) f32, kvLengths?: (B) i32 → out: (B,T,H,D) f32, lse: (B,H,T) f32 */
export function attention(q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions = {}): AttentionResult {
  const { d, params, lengths } = prepare(q, k, v, opts);
  const device = q.device;
  const out = Tensor.empty(device, [d.B, d.T, d.H, d.D]);
  const lse = Tensor.empty(device, [d.B, d.H, d.T]);
  const rows = d.B * d.H * d.T;
  if (rows === 0) return { out, lse };
  const masks = { HAS_LENGTHS: opts.kvLengths !== undefined, HAS_SLOTS: slotted(opts) };
  const bindings = [q.buffer, k.buffer, v.buffer, lengths, out.buffer, lse.buffer];
  if (d.T < PREFILL_MIN_T) {
    const { kernel, workgroups } = decodeKernel(device, opts.decode ?? attentionDecodeVariant(device.info, d.D), rows, d.D, masks);
    device.recorder.dispatch(kernel, params, bindings, grid(workgroups));
    return { out, lse };
  }
  const blocks = grid(d.B * d.H * Math.ceil(d.T / ROWS));
  if ((opts.prefill ?? attentionMemory(device)) === 'textures' && texturePrefillFits(k, v, d.D)) {
    const kernel = device.kernels.get(tileKernel('attention_prefill_texture', d.D), { ...masks, ...textureOverrides(device, d.D) });
    device.recorder.dispatch(kernel, params, [q.buffer, staged(k, 'k', d.D), staged(v, 'v', d.D), lengths, out.buffer, lse.buffer], blocks);
  } else device.recorder.dispatch(device.kernels.get(tileKernel('attention_prefill', d.D), tileOverrides(q, d, opts)), params, bindings, blocks);
  return { out, lse };
}

export interface AttentionGrads {
  /** (B,T,H,D) f32 */
  dq: Tensor;
  /** (B,S,KV,D) f32, summed over each kv head's query heads; zero at positions no query sees. */
  dk: Tensor;
  /** (B,S,KV,D) f32, likewise. */
  dv: Tensor;
}

/**
 * Undoes `out = softmax(q·kᵀ·scale + mask)·v` per head (kv head h / (H/KV)), with P recomputed from the forward's lse:
 *   dv = Pᵀ·dOut, dS = P∘(dOut·vᵀ − rowsum(dOut∘out)), dq = scale·dS·k, dk = scale·dSᵀ·q.
 * dOut: (B,T,H,D) f32, q: (B,T,H,D) f32, k, v: (B,S,KV,D) f32, saved: the forward's out and lse, opts: the forward's
 * → dq: (B,T,H,D) f32, dk, dv: (B,S,KV,D) f32
 */
export function attentionBackward(dOut: Tensor, q: Tensor, k: Tensor, v: Tensor, saved: AttentionResult, opts: AttentionOptions = {}): AttentionGrads {
  if (slotted(opts)) throw new ShapeMismatchError('attentionBackward: a slot cache is for inference; train with a (B) kvLengths cache');
  const { d, params, lengths } = prepare(q, k, v, opts);
  assertSameShape('attentionBackward: dOut and q', dOut, q);
  assertSameShape('attentionBackward: out and q', saved.out, q);
  assertDType('attentionBackward', 'dOut', dOut, ['f32']);
  if (saved.lse.size !== d.B * d.H * d.T) throw new ShapeMismatchError(`attentionBackward: lse ${shapeString(saved.lse.shape)} must be (B,H,T) = (${d.B},${d.H},${d.T})`);
  const device = q.device;
  const grads = { dq: Tensor.empty(device, q.shape), dk: Tensor.empty(device, k.shape), dv: Tensor.empty(device, v.shape) };
  if (d.B * d.H * d.T === 0 && d.B * d.S * d.KV === 0) return grads;
  // Blocks of an empty side still get one spare workgroup, which writes nothing.
  const qBlocks = grid(Math.max(1, d.B * d.H * Math.ceil(d.T / ROWS)));
  const kvBlocks = grid(Math.max(1, d.B * d.KV * Math.ceil(d.S / ROWS)));
  const lse = saved.lse.buffer;
  // Later work is ordered after these dispatches, so the pool may hand the scratch buffer out again at once.
  if ((opts.backward ?? attentionMemory(device)) === 'textures' && textureBackwardFits(q, k, d)) {
    const masks = { HAS_LENGTHS: opts.kvLengths !== undefined, ...textureOverrides(device, d.D) };
    const stats = backwardStats(device, d.B * d.H * d.T);
    const qKernel = device.kernels.get(tileKernel('attention_backward_texture', d.D), masks);
    const qInputs = [q.buffer, staged(k, 'k', d.D), staged(v, 'v', d.D), lengths, saved.out.buffer, dOut.buffer, lse];
    device.recorder.dispatch(qKernel, params, [...qInputs, grads.dq.buffer, stats.buffer], qBlocks);
    const kvKernel = device.kernels.get(tileKernel('attention_backward_kv_texture', d.D), masks);
    const kvInputs = [staged(q, 'q', d.D), k.buffer, v.buffer, lengths, staged(dOut, 'dOut', d.D), stagedStats(stats)];
    device.recorder.dispatch(kvKernel, params, [...kvInputs, grads.dk.buffer, grads.dv.buffer], kvBlocks);
    stats.dispose();
    return grads;
  }
  const delta = Tensor.empty(device, [d.B, d.H, d.T]);
  const overrides = tileOverrides(q, d, opts);
  const inputs = [q.buffer, k.buffer, v.buffer, lengths];
  const qKernel = device.kernels.get(tileKernel('attention_backward', d.D), overrides);
  device.recorder.dispatch(qKernel, params, [...inputs, saved.out.buffer, dOut.buffer, lse, grads.dq.buffer, delta.buffer], qBlocks);
  const kvKernel = device.kernels.get(tileKernel('attention_backward_kv', d.D), overrides);
  device.recorder.dispatch(kvKernel, params, [...inputs, dOut.buffer, lse, delta.buffer, grads.dk.buffer, grads.dv.buffer], kvBlocks);
  delta.dispose();
  return grads;
}
