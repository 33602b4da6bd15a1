// What the CUDA smoke checks share, on one machine (gpu-smoke.test.ts) or split over two
// (device-smoke.test.ts): the worker's training input on a tiny Qwen, and wgml's logits with the
// adapter the worker wrote against the PyTorch side's (`python -m wgml_cuda logits`).
import { execFileSync } from 'node:child_process';
import { LORA_TARGETS } from '../../src/io/peft.js';
import type { TrainPlanInput } from '../../src/cuda/plan.js';
import type { CudaFineTuneInput } from '../../src/cuda/steps.js';
import { WORKER_DIR, workerEnv } from '../../src/cuda/worker.js';
import { loadModel } from '../../src/model/model.js';
import { createDevice } from '../../src/platform/node.js';
import { relError } from '../helpers/gpu.js';
import { TINY_QWEN3 } from '../helpers/tiny-qwen.js';
import { trainInput } from './fixtures.js';

export const SMOKE_IDS = [5, 17, 42, 99, 123, 7, 64, 250];

/** nf4: QLoRA on bitsandbytes' 4-bit base; none: plain LoRA on the bf16 base. */
export type SmokeFormat = 'nf4' | 'none';

/** 3 steps of the worker on `modelDir` over 8 examples shifted from `ids` (the trainable tokens kept; labels past the first 3). */
export function smokeTrainInput(modelDir: string, runDir: string, ids: readonly number[], format: SmokeFormat, trainableTokens?: TrainPlanInput['trainableTokens']): CudaFineTuneInput {
  const kept = new Set(trainableTokens?.indices ?? []);
  const examples = Array.from({ length: 8 }, (_, i) => {
    const row = ids.map((t) => (kept.has(t) ? t : (t + i * 11) % TINY_QWEN3.vocabSize));
    return { input_ids: row, labels: row.map((t, k) => (k < 3 ? -100 : t)) };
  });
  const input = trainInput(modelDir, { model: modelDir, runDir, padTokenId: 0, quantization: { format, double_quant: true, block_size: 64 }, lora: { r: 8, alpha: 16, dropout: 0, target_modules: [...LORA_TARGETS] }, trainableTokens });
  return { ...input, train: { ...input.train, max_steps: 3, batch_size: 4, grad_accum: 1, learning_rate: 1e-2 }, examples };
}

/** PyTorch's logits [T × V] of the base (nf4 as the worker trains it, or f32) with the adapter, over `ids`. */
export function torchLogits(python: string, modelDir: string, adapterDir: string, ids: readonly number[], format: SmokeFormat): Float64Array {
  const argv = ['-m', 'wgml_cuda', 'logits', modelDir, adapterDir, '--ids', ids.join(','), ...(format === 'nf4' ? ['--nf4'] : [])];
  return Float64Array.from(JSON.parse(execFileSync(python, argv, { cwd: WORKER_DIR, env: workerEnv(), encoding: 'utf8', maxBuffer: 64 << 20 })) as number[]);
}

/** The relative error of wgml's logits (the base as `format` says, the adapter on top) against `theirs`. */
export async function logitsError(modelDir: string, adapterDir: string, ids: readonly number[], format: SmokeFormat, theirs: ArrayLike<number>): Promise<number> {
  const device = await createDevice();
  try {
    const model = await loadModel(modelDir, { device, ...(format === 'nf4' ? { quantize: 'nf4' as const } : {}), adapter: adapterDir });
    const ours = await model.logits([...ids]);
    model.dispose();
    return relError(ours, theirs);
  } finally {
    device.destroy();
  }
}

/** The bound each format's comparison meets: nf4 dequantizes in bf16 on the PyTorch side; the bf16 base reads in f32 on both. */
export const LOGITS_BOUND: Record<SmokeFormat, number> = { nf4: 2e-2, none: 1e-3 };
