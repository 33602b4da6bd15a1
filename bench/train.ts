// Training benchmark: LoRA (r = 16 on all seven projections) steps of the ~34M-parameter bench model
// at batch 4 × 256 tokens, on a bf16 and an nf4 base, with peak GPU memory; beside it the plain-TS
// reference forward of the same model, whose training step is estimated as 3× its forward (backward
// ≈ 2× forward, and the GPU step recomputes each layer once more, so the ratio favours the peer),
// and the PyTorch-CPU peer (bench/peers/: f32 base, autograd LoRA r=16 on the seven projections).
import { GradSink } from '../src/nn/grads.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Device } from '../src/gpu/device.js';
import { Rng } from '../src/cpu/random.js';
import { qwenLogitsRef } from '../src/cpu/qwen.js';
import { readQwenConfig } from '../src/io/config.js';
import { writeRandomQwen } from '../src/io/random-model.js';
import { loadModel, type Model } from '../src/model/model.js';
import { roundTo } from '../src/tensor/half.js';
import { padBatch } from '../src/train/batches.js';
import { causalLmStep } from '../src/train/causal-lm.js';
import type { Tensor } from '../src/tensor/tensor.js';
import { BENCH_QWEN3 } from './decode.js';
import { timeMs, writeResults } from './harness.js';
import { printTrainProfile, profileTrainStep, type TrainProfile } from './profile-train.js';
import { torchPeer } from './peers/torch.js';

const BATCH = 4;
const SEQ = 256;
/** Tokens the CPU peer runs (a 256-token sequence takes minutes in plain TS); scaled per token. */
const PEER_TOKENS = 32;

interface TrainRow {
  base: string;
  stepMs: number;
  tokensPerS: number;
  peakGpuBytes: number;
  /** wgml's tokens/s over the PyTorch-CPU peer's. */
  torchRatio?: number;
}

function batchOf(rng: Rng) {
  return padBatch(
    Array.from({ length: BATCH }, () => {
      const ids = Array.from({ length: SEQ }, () => rng.int(BENCH_QWEN3.vocabSize));
      return { input_ids: ids, labels: ids };
    }),
    0,
  );
}

/** One LoRA step's forward and backward on `model` (gradients computed, then dropped). */
function stepOf(model: Model, batch: ReturnType<typeof batchOf>): () => Promise<void> {
  return async () => {
    const grads = new Map<string, Tensor>();
    await causalLmStep(model.net, batch, { grads: new GradSink(new Map(), grads), scale: 1 / batch.counted, seed: 1 });
    for (const g of grads.values()) g.dispose();
  };
}

async function gpuStep(device: Device, dir: string, quantize: 'nf4' | undefined): Promise<TrainRow> {
  const model = await loadModel(dir, { device, quantize });
  model.addLora({ r: 16, alpha: 32, dropout: 0.05 });
  const batch = batchOf(new Rng(3));
  device.pool.resetPeak();
  const stepMs = await timeMs(stepOf(model, batch), 1, 1);
  const row = { base: quantize ?? 'bf16', stepMs, tokensPerS: (BATCH * SEQ) / (stepMs / 1000), peakGpuBytes: device.pool.stats.peakBytes };
  model.dispose();
  return row;
}

async function peerTokensPerS(dir: string, values: Map<string, Float32Array>): Promise<number> {
  const config = await readQwenConfig(dir);
  const weights = new Map([...values].map(([k, v]) => [k, roundTo(v, 'bf16')]));
  const ids = Array.from({ length: PEER_TOKENS }, (_, t) => (t * 37) % config.vocabSize);
  const ms = await timeMs(async () => void qwenLogitsRef(weights, config, ids), 1, 1);
  return PEER_TOKENS / ((3 * ms) / 1000);
}

/** `--profile`: one bf16-base step by kernel family, after a warm-up step that compiles every pipeline. */
async function profileTrain(device: Device, dir: string): Promise<TrainProfile> {
  const model = await loadModel(dir, { device });
  model.addLora({ r: 16, alpha: 32, dropout: 0.05 });
  const step = stepOf(model, batchOf(new Rng(3)));
  await step();
  const p = await profileTrainStep(device, step);
  model.dispose();
  printTrainProfile(p, `bf16 base, LoRA r=16, batch ${BATCH} × ${SEQ}`);
  console.log(`wrote ${await writeResults('train-profile', { date: new Date().toISOString(), adapter: device.info, model: BENCH_QWEN3, batch: BATCH, seq: SEQ, profile: p })}`);
  return p;
}

export async function benchTrain(device: Device, options: { profile?: boolean } = {}): Promise<TrainRow[] | TrainProfile> {
  const dir = await mkdtemp(join(tmpdir(), 'wgml-bench-train-'));
  try {
    const values = await writeRandomQwen(dir, BENCH_QWEN3);
    if (options.profile) return await profileTrain(device, dir);
    const rows = [await gpuStep(device, dir, undefined), await gpuStep(device, dir, 'nf4')];
    const peer = await peerTokensPerS(dir, values);
    const torch = await torchPeer<{ stepMs: number; tokensPerS: number; torch: string; threads: number }>('train', {
      model: BENCH_QWEN3, batch: BATCH, seq: SEQ, rank: 16, alpha: 32, dropout: 0.05,
    });
    if (torch.ok) for (const r of rows) r.torchRatio = r.tokensPerS / torch.result.tokensPerS;
    else console.log(`no PyTorch-CPU peer: ${torch.reason}`);
    console.log(`\nwgml train: LoRA r=16 on q,k,v,o,gate,up,down of a random 34M Qwen3, batch ${BATCH} × ${SEQ} tokens, on ${device.info.backend}`);
    console.table(
      rows.map((r) => ({
        base: r.base,
        'step ms': +r.stepMs.toFixed(0),
        'tokens/s': +r.tokensPerS.toFixed(1),
        'peak GPU MB': +(r.peakGpuBytes / 1e6).toFixed(1),
        'vs plain-TS peer': `${(r.tokensPerS / peer).toFixed(1)}×`,
        ...(r.torchRatio !== undefined && { '×torch': +r.torchRatio.toFixed(2) }),
      })),
    );
    console.log(`plain-TS reference peer: ${peer.toFixed(2)} tokens/s (3 × forward of ${PEER_TOKENS} tokens)`);
    if (torch.ok) console.log(`PyTorch ${torch.result.torch} CPU peer (f32 base, autograd LoRA r=16, ${torch.result.threads} threads): ${torch.result.tokensPerS.toFixed(2)} tokens/s`);
    const file = await writeResults('train', { date: new Date().toISOString(), adapter: device.info, batch: BATCH, seq: SEQ, rows, peerTokensPerS: peer, peerMethod: `3 × reference forward of ${PEER_TOKENS} tokens`,
      torchPeer: torch.ok ? { name: `PyTorch ${torch.result.torch} CPU f32`, ...torch.result } : { absent: torch.reason } });
    console.log(`wrote ${file}`);
    return rows;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
