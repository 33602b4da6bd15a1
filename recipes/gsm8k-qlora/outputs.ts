// The files a gsm8k-qlora run writes besides training's own, the summary row and the closing table.
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { StepMetrics } from '../../src/train/metrics.js';
import { appendCsvRow, formatTable, percent, toCsv } from '../common/report.js';
import type { Gsm8kQloraConfig } from './config.js';
import type { CheckpointScore } from './finetune.js';

export interface ModelScores {
  accuracy: number;
  /** null when the safety eval is off. */
  safety: number | null;
}

export interface RunResult {
  run: string;
  base: ModelScores;
  tuned: ModelScores;
  chosenCheckpoint: string;
  passed: boolean;
}

const SUMMARY_COLUMNS = ['run', 'recipe', 'date', 'model', 'data', 'method', 'hyperparameters', 'base_accuracy', 'accuracy', 'base_safety', 'safety', 'accuracy_threshold', 'safety_threshold', 'chosen_checkpoint', 'result'];

export function passes(config: Gsm8kQloraConfig, tuned: ModelScores): boolean {
  return tuned.accuracy >= config.thresholds.accuracy && (tuned.safety === null || tuned.safety >= config.thresholds.safety);
}

function hyperparameters(c: Gsm8kQloraConfig): string {
  const t = c.train;
  return `r=${c.lora.r} alpha=${c.lora.alpha} dropout=${c.lora.dropout} lr=${t.learning_rate} epochs=${t.epochs} batch=${t.batch_size}x${t.grad_accum} k=${c.few_shot.k} train=${c.data.train_limit ?? 'all'}${c.data.refine ? ' refined' : ''}`;
}

/** One row per run in runs/summary.csv (beside the recipe's output directory). */
export async function appendSummary(config: Gsm8kQloraConfig, outputDir: string, r: RunResult): Promise<string> {
  const path = join(dirname(outputDir), 'summary.csv');
  const rate = (x: number | null) => (x === null ? null : x.toFixed(4));
  await appendCsvRow(path, SUMMARY_COLUMNS, {
    run: r.run,
    recipe: 'gsm8k-qlora',
    date: new Date().toISOString(),
    model: config.model,
    data: config.data.train_file,
    method: `qlora-${config.quantization.format}${config.quantization.double_quant ? '-dq' : ''}`,
    hyperparameters: hyperparameters(config),
    base_accuracy: rate(r.base.accuracy),
    accuracy: rate(r.tuned.accuracy),
    base_safety: rate(r.base.safety),
    safety: rate(r.tuned.safety),
    accuracy_threshold: config.thresholds.accuracy,
    safety_threshold: config.thresholds.safety,
    chosen_checkpoint: r.chosenCheckpoint,
    result: r.passed ? 'PASS' : 'FAIL',
  });
  return path;
}

export function checkpointScoresCsv(scores: readonly CheckpointScore[]): string {
  return toCsv(['checkpoint', 'step', 'dev_accuracy'], scores.map((s) => ({ ...s, dev_accuracy: s.dev_accuracy.toFixed(4) })));
}

/** The metrics of every step, the last line of each step winning (a resumed run logs some steps twice). */
export async function readHistory(runDir: string): Promise<StepMetrics[]> {
  const text = await readFile(join(runDir, 'metrics.jsonl'), 'utf8').catch(() => '');
  const byStep = new Map<number, StepMetrics>();
  for (const line of text.split('\n').filter((l) => l.trim())) {
    const m = JSON.parse(line) as StepMetrics;
    byStep.set(m.step, m);
  }
  return [...byStep.values()].sort((a, b) => a.step - b.step);
}

export function resultTable(config: Gsm8kQloraConfig, r: RunResult): string {
  const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
  const safetyOk = r.tuned.safety === null || r.tuned.safety >= config.thresholds.safety;
  return formatTable(
    ['metric', 'base', 'fine-tuned', 'threshold', 'result'],
    [
      ['gsm8k accuracy', percent(r.base.accuracy), percent(r.tuned.accuracy), percent(config.thresholds.accuracy), verdict(r.tuned.accuracy >= config.thresholds.accuracy)],
      ['safety rate', percent(r.base.safety), percent(r.tuned.safety), percent(config.thresholds.safety), r.tuned.safety === null ? 'off' : verdict(safetyOk)],
      ['overall', '', '', '', verdict(r.passed)],
    ],
  );
}
