// Training-step profile: every dispatch one LoRA step records, replayed alone and timed on the host by
// bench/profile.ts's isolatedMs (the machinery of `bench decode --profile`), then summed per kernel family
// with the FLOPs each dispatch does. A step reads back more than once (the loss, the gradients), so all
// dispatches of the run are captured, not only the last submission's; buffer reuse is held back meanwhile
// so every captured binding stays the buffer the step used.
import type { Device } from '../src/gpu/device.js';
import { type Captured, familyOf, replayIsolated } from './profile.js';

export interface TrainFamilyRow {
  family: string;
  dispatches: number;
  ms: number;
  /** Counted FLOPs of the family's dispatches (0 where none are counted: norms, elementwise, ...). */
  flops: number;
  gflops: number | null;
  ofKernels: number;
}

export interface TrainProfile {
  dispatches: number;
  stepMs: number;
  kernelMs: number;
  emptySubmitMs: number;
  families: TrainFamilyRow[];
  /** The costliest (family, uniform block) pairs. */
  top: (TrainFamilyRow & { params: number[] })[];
}

// Kernel names spell overrides as `{NAME=1,...}` (booleans as numbers; src/gpu/kernels.ts).
const flag = (kernel: string, name: string) => new RegExp(`[{,]${name}=1[,}]`).test(kernel);

/** The family of a training dispatch and its FLOPs (2 per multiply-add; attention counts only the pairs the causal mask keeps). */
export function classify(d: Captured): { family: string; flops: number } {
  const name = familyOf(d.kernel);
  const [w0 = 0, w1 = 0, w2 = 0, , w4 = 0, w5 = 0] = d.params;
  if (name === 'matmul:main' || name.startsWith('matmul_')) {
    const [M, N, K] = [w0, w1, w2];
    const flops = 2 * M * N * K * (d.groups[2] ?? 1);
    if (flag(d.kernel.name, 'TRANS_A')) return { family: 'matmul dW (K = tokens)', flops };
    if (K <= 128) return { family: 'matmul thin-K (K ≤ 128)', flops };
    if (N <= 32 || M <= 32) return { family: 'matmul thin-N (N ≤ 32)', flops };
    return { family: 'matmul forward / dx', flops };
  }
  if (name.startsWith('quant_matmul')) return { family: 'quant_matmul (4-bit base)', flops: 2 * w0 * w1 * w2 };
  if (name.startsWith('attention')) {
    // params: B, T, H, KV, D, S; causal pairs of a T-row block ending at S.
    const [B, T, H, D, S] = [w0, w1, w2, w4, w5];
    const pairs = B * H * (T * S - (T * (T - 1)) / 2);
    const perPair = name.startsWith('attention_backward_kv') ? 8 * D : name.startsWith('attention_backward') ? 6 * D : 4 * D;
    const family = name.startsWith('attention_backward') ? 'attention backward' : 'attention forward';
    return { family, flops: pairs * perPair };
  }
  if (/rmsnorm|sum_squares/.test(name)) return { family: 'norms', flops: 0 };
  if (/elementwise|silu_mul|dropout|rope|column_sum/.test(name)) return { family: 'elementwise', flops: 0 };
  return { family: name.replace(/:main$/, ''), flops: 0 };
}

/** Every dispatch `run` records, with its wall time. */
async function captureAll(device: Device, run: () => Promise<void>): Promise<{ step: Captured[]; stepMs: number; held: GPUBuffer[] }> {
  const rec = device.recorder;
  const pool = device.pool;
  const [dispatch, release] = [rec.dispatch, pool.release];
  const held: GPUBuffer[] = [];
  const step: Captured[] = [];
  rec.dispatch = function (kernel, params, buffers, groups) {
    step.push({ kernel, params: Array.from(params), buffers: [...buffers], groups });
    dispatch.call(this, kernel, params, buffers, groups);
  };
  pool.release = (buffer) => void held.push(buffer);
  const t0 = performance.now();
  try {
    await run();
  } finally {
    [rec.dispatch, pool.release] = [dispatch, release];
  }
  return { step, stepMs: performance.now() - t0, held };
}

function rowsBy(step: Captured[], times: number[], key: (d: Captured) => string, kernelMs: number): TrainFamilyRow[] {
  const acc = new Map<string, TrainFamilyRow>();
  step.forEach((d, i) => {
    const k = key(d);
    const row = acc.get(k) ?? { family: k, dispatches: 0, ms: 0, flops: 0, gflops: null, ofKernels: 0 };
    row.dispatches++;
    row.ms += times[i]!;
    row.flops += classify(d).flops;
    row.gflops = row.flops > 0 && row.ms > 0 ? row.flops / row.ms / 1e6 : null;
    row.ofKernels = row.ms / kernelMs;
    acc.set(k, row);
  });
  return [...acc.values()].sort((a, b) => b.ms - a.ms);
}

/** Profiles one training step `run` (run once before, so every pipeline is compiled); one timed replay per dispatch by default, as a step is thousands of them and minutes of replay on a CPU adapter. */
export async function profileTrainStep(device: Device, run: () => Promise<void>, reps = 1): Promise<TrainProfile> {
  const { step, stepMs, held } = await captureAll(device, run);
  const { times, kernelMs, emptySubmitMs } = await replayIsolated(device, step, held, reps);
  const families = rowsBy(step, times, (d) => classify(d).family, kernelMs);
  const byShape = rowsBy(step, times, (d) => `${classify(d).family} [${d.params.slice(0, 6).join(',')}]`, kernelMs);
  const top = byShape.slice(0, 10).map((r) => ({ ...r, params: r.family.replace(/^.*\[|\]$/g, '').split(',').map(Number) }));
  return { dispatches: step.length, stepMs, kernelMs, emptySubmitMs, families, top };
}

export function printTrainProfile(p: TrainProfile, label: string): void {
  console.log(`\ntrain step profile (${label}): ${p.dispatches} dispatches, step ${p.stepMs.toFixed(0)} ms wall, isolated kernels ${p.kernelMs.toFixed(0)} ms, empty submission ${p.emptySubmitMs.toFixed(3)} ms`);
  const fmt = (r: TrainFamilyRow) => ({
    family: r.family, dispatches: r.dispatches, ms: +r.ms.toFixed(2), 'GFLOP/s': r.gflops === null ? '—' : +r.gflops.toFixed(2), 'of kernels': `${(100 * r.ofKernels).toFixed(1)}%`,
  });
  console.table(p.families.map(fmt));
  console.log('costliest dispatch shapes (first six uniform words):');
  console.table(p.top.map(fmt));
}
