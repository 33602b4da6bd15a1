// Decode benchmark: prefill and decode tokens/s of a random ~34M-parameter Qwen3-shaped model
// (bf16, tied head) at batch 1 and 8, with the bytes each decoded token moves against the
// adapter's measured copy bandwidth; beside it the PyTorch-CPU peer (bench/peers/) at the same
// shape, batch and lengths, and wgml's tokens/s over the peer's.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Device } from '../src/gpu/device.js';
import { writeRandomQwen, parameterShapes, type RandomQwenSpec } from '../src/io/random-model.js';
import { mergeStreams } from '../src/engine/merge.js';
import { generateRequest, resolveGenerateOptions } from '../src/engine/options.js';
import { loadModel, type Model } from '../src/model/model.js';
import { copyBandwidth, median, writeResults } from './harness.js';
import { torchPeer } from './peers/torch.js';
import { printProfile, profileStep, type StepProfile } from './profile.js';

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
  /** The PyTorch-CPU peer's figures for the same batch, and wgml's over the peer's. */
  peer?: { prefillTokensPerS: number; decodeTokensPerS: number; prefillRatio: number; decodeRatio: number };
}

type PeerRows = { rows: { batch: number; prefillTokensPerS: number; decodeTokensPerS: number }[]; torch: string; threads: number };

function prompts(batch: number): number[][] {
  return Array.from({ length: batch }, (_, b) => Array.from({ length: PROMPT }, (_, t) => (b * 7919 + t * 31) % 256));
}

/** Weights once per step for the whole batch, plus each sequence's K and V cache (f32). */
function bytesPerStep(spec: RandomQwenSpec, params: number, batch: number, context: number): number {
  const kv = 2 * spec.numLayers * context * spec.numKvHeads * spec.headDim * 4;
  return 2 * params + batch * kv;
}

interface Timing {
  prefillMs: number;
  stepMs: number;
}

/**
 * One generation of 1 + DECODE_STEPS tokens per prompt (the batch prefilled as one), timed from
 * its tokens' arrival: prefill until the first token, then each decode step from there to the last.
 * Timing the steps themselves keeps the decode figure out of the prefill's noise (at batch 8 the
 * prefill is ten times the decode).
 */
async function timeGeneration(model: Model, batch: number): Promise<Timing> {
  const o = resolveGenerateOptions({ maxNewTokens: 1 + DECODE_STEPS, stopTokenIds: [] });
  const start = performance.now();
  const streams = prompts(batch).map((p, i) => model.engine.submit(generateRequest(p, o, i)));
  const first: number[] = [];
  let last = start;
  for await (const { index, event } of mergeStreams(streams)) {
    if (event.token === undefined) continue;
    last = performance.now();
    first[index] ??= last;
  }
  // Sequences prefilled together get their first tokens in one step, but the events can reach
  // this loop a step apart; the earliest marks the prefill's end.
  const decodeFrom = Math.min(...first);
  return { prefillMs: decodeFrom - start, stepMs: (last - decodeFrom) / DECODE_STEPS };
}

async function measure(model: Model, batch: number, params: number, roof: number): Promise<DecodeRow> {
  await timeGeneration(model, batch);
  const runs: Timing[] = [];
  for (let i = 0; i < 3; i++) runs.push(await timeGeneration(model, batch));
  const prefillMs = median(runs.map((r) => r.prefillMs));
  const stepMs = median(runs.map((r) => r.stepMs));
  const bytesPerToken = bytesPerStep(BENCH_QWEN3, params, batch, PROMPT + DECODE_STEPS / 2) / batch;
  return {
    batch,
    prefillTokensPerS: (batch * PROMPT) / (prefillMs / 1000),
    decodeTokensPerS: batch / (stepMs / 1000),
    bytesPerToken,
    ofCopyBandwidth: (bytesPerToken * batch) / (stepMs / 1000) / 1e9 / roof,
  };
}

export interface DecodeBenchOptions {
  /** Instead of the throughput rows: a per-kernel-family breakdown of one decode step at batch 1 and 8. */
  profile?: boolean;
}

/** `--profile`: the last decode step of a two-token generation, after a warm-up that compiles every pipeline. */
async function benchProfile(device: Device, model: Model): Promise<StepProfile[]> {
  const profiles: StepProfile[] = [];
  for (const batch of [1, 8]) {
    const run = async () => void (await model.generateIds(prompts(batch), { maxNewTokens: 2, stopTokenIds: [] }));
    await run();
    const p = await profileStep(device, batch, run);
    printProfile(p);
    profiles.push(p);
  }
  const file = await writeResults('decode-profile', { date: new Date().toISOString(), adapter: device.info, model: BENCH_QWEN3, prompt: PROMPT, profiles });
  console.log(`wrote ${file}`);
  return profiles;
}

export async function benchDecode(device: Device, options: DecodeBenchOptions = {}): Promise<DecodeRow[] | StepProfile[]> {
  const dir = await mkdtemp(join(tmpdir(), 'wgml-bench-'));
  await writeRandomQwen(dir, BENCH_QWEN3);
  const params = parameterShapes(BENCH_QWEN3).reduce((n, [, s]) => n + s.reduce((a, b) => a * b, 1), 0);
  const model = await loadModel(dir, { device });
  if (options.profile) {
    try {
      return await benchProfile(device, model);
    } finally {
      model.dispose();
      await rm(dir, { recursive: true, force: true });
    }
  }
  const roof = await copyBandwidth(device);
  const rows: DecodeRow[] = [];
  try {
    for (const batch of [1, 8]) rows.push(await measure(model, batch, params, roof));
  } finally {
    model.dispose();
    await rm(dir, { recursive: true, force: true });
  }
  const peer = await torchPeer<PeerRows>('decode', { model: BENCH_QWEN3, prompt: PROMPT, steps: DECODE_STEPS, batches: rows.map((r) => r.batch) });
  if (peer.ok) {
    for (const r of rows) {
      const p = peer.result.rows.find((x) => x.batch === r.batch)!;
      r.peer = { ...p, prefillRatio: r.prefillTokensPerS / p.prefillTokensPerS, decodeRatio: r.decodeTokensPerS / p.decodeTokensPerS };
    }
  } else console.log(`no PyTorch-CPU peer: ${peer.reason}`);
  console.log(`\nwgml decode: random Qwen3 ${(params / 1e6).toFixed(1)}M params bf16, prompt ${PROMPT}, ${DECODE_STEPS} decode steps; copy bandwidth ${roof.toFixed(2)} GB/s`);
  console.table(
    rows.map((r) => ({
      batch: r.batch,
      'prefill tok/s': +r.prefillTokensPerS.toFixed(1),
      'decode tok/s': +r.decodeTokensPerS.toFixed(2),
      'MB/token': +(r.bytesPerToken / 1e6).toFixed(2),
      'of copy bw': `${(100 * r.ofCopyBandwidth).toFixed(1)}%`,
      ...(r.peer && {
        'torch prefill tok/s': +r.peer.prefillTokensPerS.toFixed(1),
        'prefill ×torch': +r.peer.prefillRatio.toFixed(2),
        'torch decode tok/s': +r.peer.decodeTokensPerS.toFixed(2),
        'decode ×torch': +r.peer.decodeRatio.toFixed(2),
      }),
    })),
  );
  if (peer.ok) console.log(`peer: PyTorch ${peer.result.torch} on the CPU, ${peer.result.threads} threads, f32, KV cache`);
  const file = await writeResults('decode', { date: new Date().toISOString(), adapter: device.info, model: { ...BENCH_QWEN3, params }, prompt: PROMPT, decodeSteps: DECODE_STEPS, copyBandwidthGBs: roof, rows,
    peer: peer.ok ? { name: `PyTorch ${peer.result.torch} CPU f32`, threads: peer.result.threads } : { absent: peer.reason } });
  console.log(`wrote ${file}`);
  return rows;
}
