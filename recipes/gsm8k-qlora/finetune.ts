// QLoRA supervised fine-tuning on GSM8K chats: assistant-only labels from the chat template, LoRA on
// the configured projections of the 4-bit base, checkpoints; with a sweep, every checkpoint is scored
// on the dev split and the best one is kept.
import { join } from 'node:path';
import type { Tokenizer } from '../../src/io/tokenizer.js';
import type { Model } from '../../src/nn/model.js';
import { checkpointDir, checkpointSteps, loadCheckpoint } from '../../src/train/checkpoint.js';
import { assistantOnlyLabels, type LabelledExample } from '../../src/train/labels.js';
import { LoraTrainable } from '../../src/train/lora-trainable.js';
import type { StepMetrics } from '../../src/train/metrics.js';
import { train, TrainConfigSchema } from '../../src/train/trainer.js';
import type { ProgressSink } from '../common/progress.js';
import type { Gsm8kQloraConfig } from './config.js';
import type { GsmRecord } from './data.js';

/** Question → worked solution as one user/assistant exchange; only the solution (and end of turn) is learned. */
export function sftExamples(tokenizer: Tokenizer, records: readonly GsmRecord[], maxSeqLen: number): { examples: LabelledExample[]; dropped: number } {
  const all = records.map((r) => assistantOnlyLabels(tokenizer, [{ role: 'user', content: r.question }, { role: 'assistant', content: r.answer }], { enableThinking: false }));
  const examples = all.filter((e) => e.input_ids.length <= maxSeqLen);
  return { examples, dropped: all.length - examples.length };
}

export interface CheckpointScore {
  checkpoint: string;
  step: number;
  dev_accuracy: number;
}

/** Trains the adapter already on `model`; checkpoints land in runDir/checkpoints (every one is kept for a sweep). */
export async function fineTune(model: Model, examples: readonly LabelledExample[], config: Gsm8kQloraConfig, runDir: string, resume: boolean, sink: ProgressSink): Promise<StepMetrics[]> {
  const t = config.train;
  const perStep = t.batch_size * t.grad_accum;
  const totalSteps = t.max_steps ?? Math.ceil((t.epochs * examples.length) / perStep);
  const trainConfig = TrainConfigSchema.parse({
    epochs: t.epochs,
    maxSteps: totalSteps,
    batchSize: t.batch_size,
    gradAccum: t.grad_accum,
    lr: t.learning_rate,
    schedule: { type: t.scheduler, warmupRatio: t.warmup_ratio },
    optimizer: { weightDecay: t.weight_decay, maxGradNorm: t.max_grad_norm },
    saveEvery: t.save_every || totalSteps,
    keepLast: config.sweep.enabled ? Number.MAX_SAFE_INTEGER : 2,
    seed: t.seed,
  });
  const { history } = await train(new LoraTrainable(model, model.adapter!), examples, trainConfig, { runDir, resume, onProgress: (line) => sink(`[train] ${line}`) });
  return history;
}

/** Loads the trained tensors of checkpoint `step` into the model's adapter. */
export async function useCheckpoint(model: Model, runDir: string, step: number): Promise<void> {
  const checkpoint = await loadCheckpoint(checkpointDir(join(runDir, 'checkpoints'), step));
  model.adapter!.loadTensors(checkpoint.tensors, checkpoint.dir);
}

/** Scores every checkpoint with `score` (dev accuracy) and leaves the best one (latest on ties) on the model. */
export async function sweepCheckpoints(model: Model, runDir: string, score: (step: number) => Promise<number>): Promise<{ scores: CheckpointScore[]; best: number }> {
  const steps = await checkpointSteps(join(runDir, 'checkpoints'));
  const scores: CheckpointScore[] = [];
  for (const step of steps) {
    await useCheckpoint(model, runDir, step);
    scores.push({ checkpoint: `checkpoint-${step}`, step, dev_accuracy: await score(step) });
  }
  const best = scores.reduce((a, b) => (b.dev_accuracy >= a.dev_accuracy ? b : a)).step;
  await useCheckpoint(model, runDir, best);
  return { scores, best };
}

/** The last checkpoint's step: the adapter a run without a sweep keeps. */
export async function lastCheckpoint(runDir: string): Promise<number> {
  return (await checkpointSteps(join(runDir, 'checkpoints'))).at(-1) ?? 0;
}
