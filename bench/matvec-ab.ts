// The decode-product variants side by side: lanes (lanes per column and a tree reduction, the GPU
// shape), columns with one column per invocation (the CPU default before COLS), and columns as
// dispatched now (COLS columns per invocation sharing each load of x), for f32, bf16 and NF4
// weights at the bench model's and Qwen2.5-0.5B's shapes, interleaved in one process
// (bench/ab.ts) so machine load hits all alike. Which the adapter gets is src/gpu/adapter-kind.ts's call.
import type { Device } from '../src/gpu/device.js';
import { matvecVariant } from '../src/gpu/adapter-kind.js';
import type { Rng } from '../src/cpu/random.js';
import { quantizeWeight, uploadQuantWeight } from '../src/quant/quantize.js';
import type { QuantTensor } from '../src/quant/quant-tensor.js';
import { DTYPES } from '../src/tensor/dtype.js';
import { matvec } from '../src/tensor/ops/matvec.js';
import { quantMatvec, type QuantMatvecVariant } from '../src/tensor/ops/quant-matvec.js';
import { Tensor } from '../src/tensor/tensor.js';
import { interleaved } from './ab.js';

export interface VariantAbRow {
  weights: 'f32' | 'bf16' | 'nf4';
  M: number;
  K: number;
  N: number;
  reps: number;
  /** Median ms of lanes, columns at COLS 1, columns as dispatched (default COLS). */
  lanesMs: number;
  columns1Ms: number;
  columnsMs: number;
  /** Weight GB/s of columns as dispatched, and as a fraction of the copy bandwidth. */
  columnsGBs: number;
  ofRoof: number;
}

/** (K, N): the bench model's q, k/v, gate/up, down and tied head; Qwen2.5-0.5B's up and down. */
const SHAPES = [[512, 512], [512, 256], [512, 1536], [1536, 512], [512, 16384], [896, 4864], [4864, 896]] as const;

/** The variants both float and 4-bit weights have. */
type Runner = (variant: QuantMatvecVariant, cols?: number) => void;

function floatRunner(x: Tensor, w: Tensor, out: Tensor): Runner {
  const [N, K] = w.shape as [number, number];
  return (variant, cols) => matvec(variant, { a: x, b: w, out, M: x.rows, K, N, transB: true, cols });
}

function quantRunner(x: Tensor, w: QuantTensor, out: Tensor): Runner {
  const { layout } = w;
  const overrides = { BLOCK: layout.blockSize, SCALE_DTYPE: DTYPES[layout.scaleDType].shaderCode, FIRST_NIBBLE_HIGH: layout.firstNibbleHigh, HAS_BIAS: false, BIAS_DTYPE: 0 };
  return (variant, cols) => quantMatvec(variant, { x, w, out, M: x.rows, overrides, cols });
}

async function abRow(device: Device, rng: Rng, weights: VariantAbRow['weights'], M: number, K: number, N: number, roof: number): Promise<VariantAbRow> {
  const x = Tensor.from(device, rng.normals(M * K), [M, K]);
  const out = Tensor.empty(device, [M, N]);
  const values = rng.normals(N * K, 0.02);
  const w = weights === 'nf4' ? uploadQuantWeight(device, quantizeWeight(values, [N, K], { format: 'nf4' })) : Tensor.from(device, values, [N, K], weights);
  const run = w instanceof Tensor ? floatRunner(x, w, out) : quantRunner(x, w, out);
  const r = await interleaved(device, { lanes: () => run('lanes'), columns1: () => run('columns', 1), columns: () => run('columns') });
  const bytes = w instanceof Tensor ? N * K * (weights === 'f32' ? 4 : 2) : w.bytes;
  for (const t of [x, out, w]) t.dispose();
  const [lanesMs, columns1Ms, columnsMs] = [r.ms.lanes!, r.ms.columns1!, r.ms.columns!];
  const columnsGBs = bytes / columnsMs / 1e6;
  return { weights, M, K, N, reps: r.reps, lanesMs, columns1Ms, columnsMs, columnsGBs, ofRoof: columnsGBs / roof };
}

export async function matvecVariantAb(device: Device, rng: Rng, roof: number): Promise<VariantAbRow[]> {
  const rows: VariantAbRow[] = [];
  for (const weights of ['bf16', 'f32', 'nf4'] as const) {
    for (const M of [1, 8]) for (const [K, N] of SHAPES) rows.push(await abRow(device, rng, weights, M, K, N, roof));
  }
  return rows;
}

export function printVariantAb(device: Device, rows: VariantAbRow[]): void {
  console.log(`\ndecode matvec variants, interleaved in one process (median of ${rows[0]?.reps ?? 0} rounds each); this adapter takes '${matvecVariant(device.info, device.features)}'`);
  console.table(
    rows.map((r) => ({
      weights: r.weights,
      shape: `${r.M}×${r.K}·(${r.N}×${r.K})ᵀ`,
      'lanes ms': +r.lanesMs.toFixed(3),
      'cols=1 ms': +r.columns1Ms.toFixed(3),
      'columns ms': +r.columnsMs.toFixed(3),
      'lanes/columns': +(r.lanesMs / r.columnsMs).toFixed(2),
      'cols=1/columns': +(r.columns1Ms / r.columnsMs).toFixed(2),
      'columns GB/s': +r.columnsGBs.toFixed(2),
      'of copy bw': `${(100 * r.ofRoof).toFixed(1)}%`,
    })),
  );
}
