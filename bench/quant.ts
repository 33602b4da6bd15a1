// 4-bit benchmark: decode matvec GB/s of NF4 and q4 weights (counting the packed codes plus their
// scales, the bytes a 4-bit kernel must read) beside bf16 on the same shape, against the copy-
// bandwidth roof; then decode tokens/s and GPU weight memory of the ~34M-parameter bench model in
// bf16, nf4 and q4.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Device } from '../src/gpu/device.js';
import { Rng } from '../src/cpu/random.js';
import { writeRandomQwen } from '../src/io/random-model.js';
import { loadModel, type Model } from '../src/model/model.js';
import { quantizeWeight, uploadQuantWeight, type QuantizeSpec } from '../src/quant/quantize.js';
import { matmul } from '../src/tensor/ops/matmul.js';
import { quantMatmul } from '../src/tensor/ops/quant-matmul.js';
import { Tensor } from '../src/tensor/tensor.js';
import { BENCH_QWEN3 } from './decode.js';
import { copyBandwidth, printTable, timeMs, writeResults, type BenchRow } from './harness.js';

/** Products recorded per timed submission, so submit/readback latency does not swamp a matvec. */
const REPS = 10;
const PROMPT = 64;
const DECODE_STEPS = 16;

const FORMATS: readonly { name: string; spec?: QuantizeSpec }[] = [
  { name: 'bf16' },
  { name: 'nf4', spec: { format: 'nf4' } },
  { name: 'q4', spec: { format: 'q4' } },
];

/** (N,K) of the matvec: big enough to leave a GPU's L2 on real adapters, small enough for llvmpipe. */
function matvecShape(device: Device): [number, number] {
  return device.info.backend === 'opengles' ? [2048, 2048] : [16384, 8192];
}

async function matvecRows(device: Device, roof: number): Promise<BenchRow[]> {
  const [N, K] = matvecShape(device);
  const values = new Rng(7).normals(N * K, 1 / Math.sqrt(K));
  const x = Tensor.from(device, new Rng(8).normals(K), [1, K]);
  const rows: BenchRow[] = [];
  let bf16Ms = 0;
  for (const { name, spec } of FORMATS) {
    const w = spec ? uploadQuantWeight(device, quantizeWeight(values, [N, K], spec)) : Tensor.from(device, values, [N, K], 'bf16');
    const weightBytes = w instanceof Tensor ? 2 * N * K : w.bytes;
    const product = () => (w instanceof Tensor ? matmul(x, w, { transB: true }) : quantMatmul(x, w));
    const ms = (await timeMs(async () => {
      for (let r = 0; r < REPS; r++) product().dispose();
      await device.sync();
    }, 2000)) / REPS;
    const gbs = (weightBytes + 4 * (K + N)) / ms / 1e6;
    if (!spec) bf16Ms = ms;
    const peer = spec ? { name: 'bf16 matvec', ms: bf16Ms, ratio: bf16Ms / ms } : undefined;
    rows.push({ kernel: `matvec ${name}`, shape: `1×${K} · (${N}×${K})ᵀ`, ms, rate: gbs, unit: 'GB/s', ofRoof: gbs / roof, peer });
    w.dispose();
  }
  x.dispose();
  return rows;
}

interface ModelRow {
  format: string;
  weightBytes: number;
  decodeTokensPerS: number;
  msPerToken: number;
}

async function decodeRate(model: Model): Promise<number> {
  const prompt = [Array.from({ length: PROMPT }, (_, t) => (t * 31) % 256)];
  const run = (steps: number) => async () => void (await model.generateIds(prompt, { maxNewTokens: steps, stopTokenIds: [] }));
  const first = await timeMs(run(1), 2000, 2);
  const full = await timeMs(run(1 + DECODE_STEPS), 2000, 2);
  return Math.max(full - first, 1e-6) / DECODE_STEPS;
}

async function modelRows(device: Device): Promise<ModelRow[]> {
  const dir = await mkdtemp(join(tmpdir(), 'wgml-bench-quant-'));
  await writeRandomQwen(dir, BENCH_QWEN3);
  const rows: ModelRow[] = [];
  try {
    for (const { name, spec } of FORMATS) {
      const before = device.pool.stats.liveBytes;
      const model = await loadModel(dir, { device, quantize: spec });
      const weightBytes = device.pool.stats.liveBytes - before;
      const ms = await decodeRate(model);
      model.dispose();
      rows.push({ format: name, weightBytes, decodeTokensPerS: 1000 / ms, msPerToken: ms });
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return rows;
}

export async function benchQuant(device: Device): Promise<{ matvec: BenchRow[]; model: ModelRow[] }> {
  const roof = await copyBandwidth(device);
  const matvec = await matvecRows(device, roof);
  printTable(`wgml 4-bit matvec (GB/s of packed weights + scales + x + y; copy bandwidth ${roof.toFixed(2)} GB/s)`, matvec);
  const model = await modelRows(device);
  console.log(`\nBENCH_QWEN3 decode, batch 1, prompt ${PROMPT}, ${DECODE_STEPS} steps (weights: GPU bytes held after load, embeddings and norms included)`);
  console.table(model.map((r) => ({ format: r.format, 'weights MB': +(r.weightBytes / 1e6).toFixed(2), 'decode tok/s': +r.decodeTokensPerS.toFixed(2), 'ms/token': +r.msPerToken.toFixed(2) })));
  const file = await writeResults('quant', { date: new Date().toISOString(), adapter: device.info, copyBandwidthGBs: roof, matvec, model: { spec: BENCH_QWEN3, prompt: PROMPT, decodeSteps: DECODE_STEPS, rows: model } });
  console.log(`wrote ${file}`);
  return { matvec, model };
}
