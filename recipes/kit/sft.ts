// Supervised fine-tuning of the LoRA adapter a model carries: the shared train block mapped onto
// the trainer's TrainConfig, checkpoints in <run>/checkpoints, an optional evaluation hook at step 0
// and every eval_steps, and checkpoint sweeps that keep the best-scoring one. trainAdapter is what a
// recipe's train step calls: on WebGPU it loads the model and trains it here; under --backend cuda it
// makes the same examples with the base's tokenizer alone and hands them to src/cuda's worker.
import { join } from 'node:path';
import { cudaFineTune } from '../../src/cuda/index.js';
import { ConfigError } from '../../src/errors.js';
import { readQwenConfig } from '../../src/io/config.js';
import { loadTokenizer, type Tokenizer } from '../../src/io/tokenizer.js';
import type { Model } from '../../src/model/model.js';
import { checkpointDir, checkpointSteps, loadCheckpoint } from '../../src/train/checkpoint.js';
import type { LabelledExample } from '../../src/train/labels.js';
import { LoraTrainable } from '../../src/train/lora-trainable.js';
import type { StepMetrics } from '../../src/train/metrics.js';
import { train, TrainConfigSchema, type TrainConfig } from '../../src/train/trainer.js';
import type { LoraConfig, QuantizationConfig, TrainBlockConfig } from './blocks.js';
import type { ProgressSink } from './progress.js';
import type { StepContext } from './recipe.js';

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

export interface AdapterJob {
  /** The base's HuggingFace directory (resolved): the tokenizer, and the model the CUDA worker loads. */
  baseDir: string;
  quantization: QuantizationConfig;
  lora: LoraConfig;
  train: TrainBlockConfig;
  /** The training examples from the base's tokenizer: both backends train on these tokens. */
  examples(tokenizer: Tokenizer): LabelledExample[];
  /** WebGPU: the base with a fresh trainable adapter, on the device. */
  load(): Promise<Model>;
  /**
   * New tokens whose embed_tokens rows (and an untied lm_head's) train beside the LoRA. WebGPU:
   * load() attaches them (addLora's trainableTokenIndices); CUDA: the worker's PEFT trainable_token_indices.
   */
  tokenRows?: readonly string[];
  /** Keep every checkpoint (a sweep scores them). */
  keepAll?: boolean;
  /** WebGPU: the evaluation hook during training. */
  evaluate?(model: Model): (step: number) => Promise<Record<string, number>>;
  /** WebGPU, after training and before the adapter is saved: which checkpoint stays on the model (default the last). */
  choose?(model: Model): Promise<void>;
}

/** The tokenizer loadModel would give the base, and whether its lm_head is embed_tokens, without loading its weights. */
async function baseTokenizer(dir: string): Promise<{ tokenizer: Tokenizer; tied: boolean }> {
  const config = await readQwenConfig(dir);
  return { tokenizer: await loadTokenizer(dir, { allowMissing: { vocabSize: config.vocabSize } }), tied: config.tieWordEmbeddings };
}

/** The ids of `tokens` in the base's tokenizer, each one known. */
function tokenIds(tokenizer: Tokenizer, tokens: readonly string[], dir: string): number[] {
  return tokens.map((t) => {
    const id = tokenizer.tokenToId(t);
    if (id === undefined) throw new ConfigError(`${dir}: the tokenizer has no token ${t}, whose rows should train; train on the model directory that added it`);
    return id;
  });
}

/** Trains `job`'s adapter into <run>/adapter (a PEFT directory either way), with metrics.jsonl in the run. */
export async function trainAdapter<C>(ctx: StepContext<C>, job: AdapterJob): Promise<void> {
  if (ctx.cuda) {
    const { tokenizer, tied } = await baseTokenizer(job.baseDir);
    const examples = job.examples(tokenizer);
    const trainableTokens = job.tokenRows?.length ? { indices: tokenIds(tokenizer, job.tokenRows, job.baseDir), tied } : undefined;
    const input = { model: job.baseDir, runDir: ctx.cuda.runDir, examples, padTokenId: tokenizer.padTokenId ?? 0, quantization: job.quantization, lora: job.lora, trainableTokens, train: job.train, resume: ctx.resume, keepAll: job.keepAll };
    const { adapterDir } = await cudaFineTune(input, ctx.cuda.options);
    if (!ctx.cuda.dryRun) ctx.log(`[train] CUDA adapter in ${adapterDir}`);
    return;
  }
  const model = await job.load();
  try {
    const examples = job.examples(model.tokenizer);
    await fineTune(model, examples, job.train, { runDir: ctx.run.dir, resume: ctx.resume, keepAll: job.keepAll, evaluate: job.evaluate?.(model), sink: ctx.log });
    await job.choose?.(model);
    await model.saveAdapter(ctx.run.path('adapter'));
  } finally {
    model.dispose();
  }
}
