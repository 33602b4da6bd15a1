// The decode attention variants side by side: workgroup (shaders/attention.wgsl, the GPU shape) and
// columns (shaders/attention_decode_columns.wgsl) at the bench model's decode shapes (bench/decode.ts:
// H 8, KV 4, D 64, the prompt's 128 positions plus a few steps) over a slot cache, interleaved in one
// process (bench/ab.ts) so machine load hits both alike. Which the adapter gets is src/tensor/ops/attention-decode.ts's call.
import type { Device } from '../src/gpu/device.js';
import type { Rng } from '../src/cpu/random.js';
import { attention } from '../src/tensor/ops/attention.js';
import { attentionDecodeVariant } from '../src/tensor/ops/attention-decode.js';
import { Tensor } from '../src/tensor/tensor.js';
import { interleaved } from './ab.js';
import { BENCH_QWEN3 } from './decode.js';

export interface AttentionAbRow {
  batch: number;
  length: number;
  reps: number;
  /** Median ms per call (one layer's decode attention). */
  workgroupMs: number;
  columnsMs: number;
}

async function abRow(device: Device, rng: Rng, batch: number, length: number): Promise<AttentionAbRow> {
  const { numHeads: H, numKvHeads: KV, headDim: D } = BENCH_QWEN3;
  const S = 256;
  const q = Tensor.from(device, rng.normals(batch * H * D), [batch, 1, H, D]);
  const k = Tensor.from(device, rng.normals(batch * S * KV * D), [batch, S, KV, D]);
  const v = Tensor.from(device, rng.normals(batch * S * KV * D), [batch, S, KV, D]);
  const slots = Array.from({ length: batch }, (_, b) => b);
  const kvLengths = Tensor.from(device, [...slots.map(() => length), ...slots], [2, batch], 'i32');
  const run = (decode: 'workgroup' | 'columns') => () => {
    const r = attention(q, k, v, { kvLengths, decode });
    r.out.dispose();
    r.lse.dispose();
  };
  const r = await interleaved(device, { workgroup: run('workgroup'), columns: run('columns') });
  for (const t of [q, k, v, kvLengths]) t.dispose();
  return { batch, length, reps: r.reps, workgroupMs: r.ms.workgroup!, columnsMs: r.ms.columns! };
}

export async function attentionDecodeAb(device: Device, rng: Rng): Promise<AttentionAbRow[]> {
  const rows: AttentionAbRow[] = [];
  for (const batch of [1, 8]) rows.push(await abRow(device, rng, batch, 136));
  return rows;
}

export function printAttentionAb(device: Device, rows: AttentionAbRow[]): void {
  console.log(`\ndecode attention variants, interleaved in one process (median of ${rows[0]?.reps ?? 0} rounds each); this adapter takes '${attentionDecodeVariant(device.info, BENCH_QWEN3.headDim)}'`);
  console.table(
    rows.map((r) => ({
      shape: `B${r.batch} T1 H${BENCH_QWEN3.numHeads}/${BENCH_QWEN3.numKvHeads} D${BENCH_QWEN3.headDim} len ${r.length}`,
      'workgroup ms': +r.workgroupMs.toFixed(3),
      'columns ms': +r.columnsMs.toFixed(3),
      'workgroup/columns': +(r.workgroupMs / r.columnsMs).toFixed(2),
    })),
  );
}
