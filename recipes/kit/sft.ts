// Supervised fine-tuning of the LoRA adapter a model carries: the shared train block mapped onto
// the trainer's TrainConfig, checkpoints in <run>/checkpoints, an optional evaluation hook at step 0
// and every eval_steps, and checkpoint sweeps that keep the best-scoring one.
import { join } from 'node:path';
import type { Model } from '../../src/model/model.js';
import { checkpointDir, checkpointSteps, loadCheckpoint } from '../../src/train/checkpoint.js';
import type { LabelledExample } from '../../src/train/labels.js';
import { LoraTrainable } from '../../src/train/lora-trainable.js';
import type { StepMetrics } from '../../src/train/metrics.js';
import { train, TrainConfigSchema, type TrainConfig } from '../../src/train/trainer.js';
import type { TrainBlockConfig } from './blocks.js';
import type { ProgressSink } from './progress.js';

export interface SftOptions {
  runDir: string;
  resume: boolean;
  /** Keep every checkpoint (a sweep scores them all) instead of the last two. */
  keepAll?: boolean;
  evaluate?: (step: number) => Promise<Record<string, number>>;
  sink: ProgressSink;
}

/** The trainer's config for `examples` under the train block; saves land every save_every steps and at the end. */
export function trainConfig(t: TrainBlockConfig, examples: number, keepAll = false): TrainConfig {
  const totalSteps = t.max_steps ?? Math.ceil((t.epochs * examples) / (t.batch_size * t.grad_accum));
  return TrainConfigSchema.parse({
    epochs: t.epochs,
    maxSteps: totalSteps,
    batchSize: t.batch_size,
    gradAccum: t.grad_accum,
    lr: t.learning_rate,
    schedule: { type: t.scheduler, warmupRatio: t.warmup_ratio },
    optimizer: { weightDecay: t.weight_decay, maxGradNorm: t.max_grad_norm },
    evalEvery: t.eval_steps,
    saveEvery: t.save_every || totalSteps,
    keepLast: keepAll ? Number.MAX_SAFE_INTEGER : 2,
    seed: t.seed,
  });
}

/** Trains the adapter already on `model`. */
export async function fineTune(model: Model, examples: readonly LabelledExample[], t: TrainBlockConfig, o: SftOptions): Promise<StepMetrics[]> {
  const config = trainConfig(t, examples.length, o.keepAll);
  const { history } = await train(new LoraTrainable(model, model.adapter!), examples, config, { runDir: o.runDir, resume: o.resume, evaluate: o.evaluate, onProgress: (line) => o.sink(`[train] ${line}`) });
  return history;
}

/** Loads the trained tensors of checkpoint `step` into the model's adapter. */
export async function useCheckpoint(model: Model, runDir: string, step: number): Promise<void> {
  const checkpoint = await loadCheckpoint(checkpointDir(join(runDir, 'checkpoints'), step));
  model.adapter!.loadTensors(checkpoint.tensors, checkpoint.dir);
}

export interface CheckpointScore {
  step: number;
  score: number;
}

/** Scores every checkpoint with `score` and leaves the best one (latest on ties) on the model. */
export async function sweepCheckpoints(model: Model, runDir: string, score: (step: number) => Promise<number>): Promise<{ scores: CheckpointScore[]; best: number }> {
  const steps = await checkpointSteps(join(runDir, 'checkpoints'));
  const scores: CheckpointScore[] = [];
  for (const step of steps) {
    await useCheckpoint(model, runDir, step);
    scores.push({ step, score: await score(step) });
  }
  const best = scores.reduce((a, b) => (b.score >= a.score ? b : a)).step;
  await useCheckpoint(model, runDir, best);
  return { scores, best };
}

/** The last checkpoint's step: the adapter a run without a sweep keeps. */
export async function lastCheckpoint(runDir: string): Promise<number> {
  return (await checkpointSteps(join(runDir, 'checkpoints'))).at(-1) ?? 0;
}
