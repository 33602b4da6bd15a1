// The training loop: seeded epochs of length-grouped micro-batches, gradient accumulation with the
// loss averaged over every counted token of the accumulated batch, AdamW with clipping, a warmup
// schedule, eval loss, checkpoints every N steps and resume, metrics and a progress line.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { Device } from '../gpu/device.js';
import { Rng } from '../cpu/random.js';
import { WgmlError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { AdamW, AdamWConfigSchema } from './adamw.js';
import { lengthGrouped, padBatch, shuffled, type Batch } from './batches.js';
import { loadLatestCheckpoint, saveCheckpoint } from './checkpoint.js';
import type { LabelledExample } from './labels.js';
import { MetricsLogger, progressLine, type StepMetrics } from './metrics.js';
import { learningRateFactor, ScheduleSchema } from './schedule.js';

export const TrainConfigSchema = z.object({
  epochs: z.number().positive().default(1),
  /** Overrides epochs when set. */
  maxSteps: z.number().int().positive().optional(),
  batchSize: z.number().int().positive().default(4),
  gradAccum: z.number().int().positive().default(1),
  lr: z.number().positive().default(2e-4),
  schedule: ScheduleSchema.default({ type: 'linear', warmupRatio: 0 }),
  optimizer: AdamWConfigSchema.default({ beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, maxGradNorm: 1 }),
  groupByLength: z.boolean().default(true),
  /** 0 = never. */
  evalEvery: z.number().int().min(0).default(0),
  saveEvery: z.number().int().min(0).default(0),
  keepLast: z.number().int().positive().default(2),
  seed: z.number().int().min(0).default(42),
});
export type TrainConfig = z.output<typeof TrainConfigSchema>;

/** What the loop trains: a model with f32 trainable tensors under PEFT names. */
export interface Trainable {
  readonly device: Device;
  readonly parameters: ReadonlyMap<string, Tensor>;
  readonly padId: number;
  /** File `writeTrained` puts the trained tensors in (read back on resume). */
  readonly tensorFile: string;
  /** Adds ∂(scale · Σ token losses)/∂θ into `grads` (created on first use) and returns Σ token losses. */
  accumulateGrads(batch: Batch, scale: number, grads: Map<string, Tensor>, dropoutSeed: number): Promise<number>;
  /** Σ token losses without gradients. */
  lossSum(batch: Batch): Promise<number>;
  writeTrained(dir: string): Promise<void>;
  loadTrained(tensors: ReadonlyMap<string, Float32Array>): void;
}

export interface TrainOptions {
  runDir: string;
  resume?: boolean;
  evalData?: readonly LabelledExample[];
  /**
   * Called at step 0 (unless resuming past it) and every `evalEvery` steps and at the last; the
   * scalars it returns (a generation metric, say) are logged with that step.
   */
  evaluate?: (step: number) => Promise<Record<string, number>>;
  onProgress?: (line: string, metrics: StepMetrics) => void;
  /** Lines that are not a step's progress: a corrupt checkpoint skipped on resume. */
  onNotice?: (line: string) => void;
}

export interface TrainResult {
  steps: number;
  history: StepMetrics[];
}

/** Walks the data in seeded epochs; the position is what a checkpoint stores. */
class DataCursor {
  private order: number[] = [];

  constructor(
    private readonly data: readonly LabelledExample[],
    private readonly config: TrainConfig,
    private readonly padId: number,
    public epoch = 0,
    public position = 0,
  ) {
    this.reorder();
  }

  /** The next micro-batch, moving to a new epoch when this one is used up. */
  next(): Batch {
    if (this.position >= this.order.length) {
      this.epoch++;
      this.position = 0;
      this.reorder();
    }
    const picked = this.order.slice(this.position, this.position + this.config.batchSize);
    this.position += picked.length;
    return padBatch(picked.map((i) => this.data[i]!), this.padId);
  }

  get rngSeed(): number {
    return this.config.seed + this.epoch;
  }

  private reorder(): void {
    const order = shuffled(this.data.length, new Rng(this.rngSeed));
    const lengths = this.data.map((e) => e.input_ids.length);
    this.order = this.config.groupByLength ? lengthGrouped(order, lengths, this.config.batchSize) : order;
  }
}

async function evalLoss(model: Trainable, data: readonly LabelledExample[], batchSize: number): Promise<number> {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < data.length; i += batchSize) {
    const batch = padBatch(data.slice(i, i + batchSize), model.padId);
    sum += await model.lossSum(batch);
    count += batch.counted;
  }
  return sum / count;
}

async function refuseOverwrite(checkpoints: string): Promise<void> {
  const existing = await readdir(checkpoints).catch(() => [] as string[]);
  if (existing.some((n) => n.startsWith('checkpoint-'))) {
    throw new WgmlError(`${checkpoints} already holds checkpoints; pass --resume to continue that run or choose another run directory`);
  }
}

export async function train(model: Trainable, data: readonly LabelledExample[], config: TrainConfig, options: TrainOptions): Promise<TrainResult> {
  if (data.length === 0) throw new WgmlError('train: the training set is empty');
  const checkpoints = join(options.runDir, 'checkpoints');
  const optimizer = new AdamW(model.device, model.parameters, config.optimizer);
  const perStep = config.batchSize * config.gradAccum;
  const totalSteps = config.maxSteps ?? Math.ceil((config.epochs * data.length) / perStep);
  let step = 0;
  let cursor = new DataCursor(data, config, model.padId);
  const latest = options.resume ? await loadLatestCheckpoint(checkpoints, (dir, error) => options.onNotice?.(`resume: skipping corrupt ${dir} (${error.message}); using the checkpoint before it`)) : null;
  if (latest) {
    model.loadTrained(latest.tensors);
    optimizer.importState(latest.optimizer);
    step = latest.state.step;
    cursor = new DataCursor(data, config, model.padId, latest.state.epoch, latest.state.dataPosition);
  } else if (!options.resume) await refuseOverwrite(checkpoints);
  // A resume keeps the rows it will not log again: through its checkpoint's step, or none before
  // the first checkpoint, whose step-0 evaluation runs again.
  const metrics = await MetricsLogger.create(options.runDir, options.resume ? (step > 0 ? step : -1) : undefined);
  const history: StepMetrics[] = [];
  const started = performance.now();
  const firstStep = step;
  const evalDue = (at: number) => config.evalEvery > 0 && (at % config.evalEvery === 0 || at === totalSteps);
  try {
    if (step === 0 && options.evaluate && config.evalEvery > 0) await metrics.logScalars(0, await options.evaluate(0));
    while (step < totalSteps) {
      const stepStart = performance.now();
      const batches = Array.from({ length: config.gradAccum }, () => cursor.next());
      const counted = batches.reduce((n, b) => n + b.counted, 0);
      if (counted === 0) throw new WgmlError(`train: step ${step + 1} has no token with a label (every label is −100)`);
      const grads = new Map<string, Tensor>();
      let lossSum = 0;
      for (const [i, b] of batches.entries()) lossSum += await model.accumulateGrads(b, 1 / counted, grads, config.seed * 1_000_003 + step * config.gradAccum + i);
      const lr = config.lr * learningRateFactor(config.schedule, step, totalSteps);
      const gradNorm = await optimizer.step(grads, lr);
      for (const g of grads.values()) g.dispose();
      step++;
      const tokens = batches.reduce((n, b) => n + b.B * b.T, 0);
      const m: StepMetrics = {
        step,
        loss: lossSum / counted,
        lr,
        gradNorm,
        tokensPerS: tokens / ((performance.now() - stepStart) / 1000),
        gpuMemoryBytes: model.device.pool.stats.peakBytes,
      };
      if (evalDue(step) && options.evalData?.length) m.evalLoss = await evalLoss(model, options.evalData, config.batchSize);
      if (evalDue(step) && options.evaluate) m.scalars = await options.evaluate(step);
      await metrics.log(m);
      history.push(m);
      options.onProgress?.(progressLine(m, totalSteps, (performance.now() - started) / 1000, step - firstStep), m);
      if (config.saveEvery && (step % config.saveEvery === 0 || step === totalSteps)) {
        const state = { step, rngState: cursor.rngSeed, dataPosition: cursor.position, epoch: cursor.epoch };
        await saveCheckpoint(checkpoints, { state, optimizer: await optimizer.exportState() }, model.tensorFile, (dir) => model.writeTrained(dir), config.keepLast);
      }
    }
  } finally {
    optimizer.dispose();
  }
  return { steps: step, history };
}
