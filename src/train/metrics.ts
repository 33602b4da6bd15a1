// Training metrics: one JSON line per step in metrics.jsonl, the same scalars in TensorBoard, and a
// progress line with step, loss, tokens/s and ETA.
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../io/atomic.js';
import { join } from 'node:path';
import { TensorBoardWriter } from './tensorboard.js';

export interface StepMetrics {
  step: number;
  loss: number;
  lr: number;
  gradNorm: number;
  tokensPerS: number;
  gpuMemoryBytes: number;
  evalLoss?: number;
  /** Extra eval scalars of this step (from the trainer's evaluate hook), under `eval/<name>` in TensorBoard. */
  scalars?: Record<string, number>;
}

export class MetricsLogger {
  private constructor(
    readonly jsonl: string,
    private readonly tensorboard: TensorBoardWriter,
  ) {}

  /** `resumeFrom`: the step a resumed run continues after; rows (and TensorBoard events) past it are dropped, as they are logged again. */
  static async create(runDir: string, resumeFrom?: number): Promise<MetricsLogger> {
    await mkdir(runDir, { recursive: true });
    const jsonl = join(runDir, 'metrics.jsonl');
    if (resumeFrom !== undefined) await keepRowsThrough(jsonl, resumeFrom);
    return new MetricsLogger(jsonl, await TensorBoardWriter.create(join(runDir, 'tensorboard'), resumeFrom));
  }

  async log(m: StepMetrics): Promise<void> {
    await appendFile(this.jsonl, JSON.stringify({ ...m, time: new Date().toISOString() }) + '\n');
    const scalars: Record<string, number> = { 'train/loss': m.loss, 'train/lr': m.lr, 'train/grad_norm': m.gradNorm, 'train/tokens_per_s': m.tokensPerS };
    if (m.evalLoss !== undefined) scalars['eval/loss'] = m.evalLoss;
    await this.tensorboard.addScalars(m.step, { ...scalars, ...evalTags(m.scalars ?? {}) });
  }

  /** Eval scalars of a step with no training (step 0, before the first update): a line without loss. */
  async logScalars(step: number, values: Record<string, number>): Promise<void> {
    await appendFile(this.jsonl, JSON.stringify({ step, scalars: values, time: new Date().toISOString() }) + '\n');
    await this.tensorboard.addScalars(step, evalTags(values));
  }
}

// A row cut short by a kill mid-append is dropped as well.
async function keepRowsThrough(jsonl: string, step: number): Promise<void> {
  const text = await readFile(jsonl, 'utf8').catch(() => null);
  if (text === null) return;
  const kept = text.split('\n').filter((line) => {
    try {
      return (JSON.parse(line) as { step: number }).step <= step;
    } catch {
      return false;
    }
  });
  await writeFileAtomic(jsonl, kept.map((line) => line + '\n').join(''));
}

function evalTags(values: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [`eval/${k}`, v]));
}

/** `3m05s`, `1h02m`; `?` when unknown. */
export function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/** `step 12/300 · loss 1.2345 · 812 tok/s · ETA 3m05s` */
export function progressLine(m: StepMetrics, totalSteps: number, elapsedS: number, stepsDone: number): string {
  const eta = stepsDone > 0 ? (elapsedS / stepsDone) * (totalSteps - m.step) : Infinity;
  const evalPart = m.evalLoss !== undefined ? ` · eval ${m.evalLoss.toFixed(4)}` : '';
  return `step ${m.step}/${totalSteps} · loss ${m.loss.toFixed(4)}${evalPart} · lr ${m.lr.toExponential(2)} · ${m.tokensPerS.toFixed(0)} tok/s · ETA ${duration(eta)}`;
}
