// The decode kernel of attention (few query rows per sequence), in the variant the adapter suits
// (src/gpu/adapter-kind.ts): 'workgroup' = shaders/attention.wgsl (a 256-thread workgroup per row,
// spread over the keys with barrier-tree reductions: the GPU shape); 'columns' =
// shaders/attention_decode_columns.wgsl (an invocation per row and head walking the keys, no barriers:
// a CPU adapter runs a workgroup as one thread, where those barriers cost most).
import { adapterKind } from '../../gpu/adapter-kind.js';
import type { AdapterSummary, Device } from '../../gpu/device.js';
import type { Kernel } from '../../gpu/kernels.js';
import { ShapeMismatchError } from '../../errors.js';

export type AttentionDecodeVariant = 'workgroup' | 'columns';

/** Largest head_dim of columns, whose head vectors live in registers: llvmpipe took 4 minutes to compile D = 256. */
export const COLUMNS_MAX_HEAD_DIM = 128;

/** Whether `variant` takes head_dim D: columns reads heads as vec4s, so D must be a multiple of 4 ≤ COLUMNS_MAX_HEAD_DIM (else attention.wgsl runs). */
export function attentionDecodeFits(variant: AttentionDecodeVariant, D: number): boolean {
  return variant === 'workgroup' || (D % 4 === 0 && D <= COLUMNS_MAX_HEAD_DIM);
}

/** The adapter's decode variant for head_dim D: columns on CPU adapters where it fits, else workgroup. */
export function attentionDecodeVariant(info: AdapterSummary, D: number): AttentionDecodeVariant {
  return adapterKind(info) === 'cpu' && attentionDecodeFits('columns', D) ? 'columns' : 'workgroup';
}

/** Invocations per workgroup of columns: llvmpipe runs them in the SIMD lanes of one thread, and 8 share a thread for free. */
const LANES = 8;

/**
 * Rows per workgroup of columns for `rows` (batch · heads · T) rows, and invocations per row: fewer rows per
 * workgroup keep more threads busy when rows are few (batch 1), at least 16 workgroups when the rows allow it,
 * and the lanes a workgroup's rows leave split each row's keys.
 */
export function decodeGroup(rows: number): { group: number; split: number } {
  const group = [8, 4, 2].find((g) => rows >= 16 * g) ?? 1;
  return { group, split: LANES / group };
}

export interface DecodeDispatch {
  kernel: Kernel;
  workgroups: number;
}

/** The decode kernel and its workgroup count for `rows` rows of head_dim D. */
export function decodeKernel(device: Device, variant: AttentionDecodeVariant, rows: number, D: number, masks: { HAS_LENGTHS: boolean; HAS_SLOTS: boolean }): DecodeDispatch {
  if (!attentionDecodeFits(variant, D)) throw new ShapeMismatchError(`attention: the ${variant} decode kernel needs head_dim D a multiple of 4 ≤ ${COLUMNS_MAX_HEAD_DIM}, not ${D}`);
  if (variant === 'workgroup') return { kernel: device.kernels.get('attention', masks), workgroups: rows };
  const { group, split } = decodeGroup(rows);
  return { kernel: device.kernels.get('attention_decode_columns', { ...masks, HEAD_DIM: D, GROUP: group, SPLIT: split }), workgroups: Math.ceil(rows / group) };
}
