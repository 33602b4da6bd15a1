// Decode benchmark: prefill and decode tokens/s of a random ~34M-parameter Qwen3-shaped model
// (bf16, tied head) at batch 1 and 8, with the bytes each decoded token moves against the
// adapter's measured copy bandwidth.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Device } from '../src/gpu/device.js';
import { writeRandomQwen, parameterShapes, type RandomQwenSpec } from '../src/io/random-model.js';
import { loadModel, type Model } from '../src/nn/model.js';
import { copyBandwidth, timeMs, writeResults } from './harness.js';

export const BENCH_QWEN3: RandomQwenSpec = {
  architecture: 'Qwen3ForCausalLM',
  hiddenSize: 512,
  intermediateSize: 1536,
  numLayers: 8,
  numHeads: 8,
  numKvHeads: 4,
  headDim: 64,
  vocabSize: 16384,
  tieWordEmbeddings: true,
  seed: 1,
};

const PROMPT = 128;
const DECODE_STEPS = 16;

interface DecodeRow {
  batch: number;
  prefillTokensPerS: number;
  decodeTokensPerS: number;
  bytesPerToken: number;
  ofCopyBandwidth: number;
}

function prompts(batch: number): number[][] {
  return Array.from({ length: batch }, (_, b) => Array.from({ length: PROMPT }, (_, t) => (b * 7919 + t * 31) % 256));
}

/** Weights once per step for the whole batch, plus each sequence's K and V cache (f32). */
function bytesPerStep(spec: RandomQwenSpec, params: number, batch: number, context: number): number {
  const kv = 2 * spec.numLayers * context * spec.numKvHeads * spec.headDim * 4;
  return 2 * params + batch * kv;
}

async function measure(model: Model, batch: number, params: number, roof: number): Promise<DecodeRow> {
  const run = (steps: number) => async () => void (await model.generateIds(prompts(batch), { maxNewTokens: steps, stopTokenIds: [] }));
  const first = await timeMs(run(1), 2000, 2);
  const full = await timeMs(run(1 + DECODE_STEPS), 2000, 2);
  const stepMs = Math.max(full - first, 1e-6) / DECODE_STEPS;
  const bytesPerToken = bytesPerStep(BENCH_QWEN3, params, batch, PROMPT + DECODE_STEPS / 2) / batch;
  return {
    batch,
    prefillTokensPerS: (batch * PROMPT) / (first / 1000),
    decodeTokensPerS: batch / (stepMs / 1000),
    bytesPerToken,
    ofCopyBandwidth: (bytesPerToken * batch) / (stepMs / 1000) / 1e9 / roof,
  };
}

export async function benchDecode(device: Device): Promise<DecodeRow[]> {
  const dir = await mkdtemp(join(tmpdir(), 'wgml-bench-'));
  await writeRandomQwen(dir, BENCH_QWEN3);
  const params = parameterShapes(BENCH_QWEN3).reduce((n, [, s]) => n + s.reduce((a, b) => a * b, 1), 0);
  const model = await loadModel(dir, { device });
  const roof = await copyBandwidth(device);
  const rows: DecodeRow[] = [];
  try {
    for (const batch of [1, 8]) rows.push(await measure(model, batch, params, roof));
  } finally {
    model.dispose();
    await rm(dir, { recursive: true, force: true });
  }
  console.log(`\nwgml decode: random Qwen3 ${(params / 1e6).toFixed(1)}M params bf16, prompt ${PROMPT}, ${DECODE_STEPS} decode steps; copy bandwidth ${roof.toFixed(2)} GB/s`);
  console.table(
    rows.map((r) => ({
      batch: r.batch,
      'prefill tok/s': +r.prefillTokensPerS.toFixed(1),
      'decode tok/s': +r.decodeTokensPerS.toFixed(2),
      'MB/token': +(r.bytesPerToken / 1e6).toFixed(2),
      'of copy bw': `${(100 * r.ofCopyBandwidth).toFixed(1)}%`,
    })),
  );
  const file = await writeResults('decode', { date: new Date().toISOString(), adapter: device.info, model: { ...BENCH_QWEN3, params }, prompt: PROMPT, decodeSteps: DECODE_STEPS, copyBandwidthGBs: roof, rows });
  console.log(`wrote ${file}`);
  return rows;
}
