// What a gsm8k-qlora run reports: results.json's shape, the runs/summary.csv row, the checkpoint
// sweep's CSV and the closing PASS/FAIL table.
import { fineTuneMethod } from '../kit/blocks.js';
import type { Row } from '../kit/report.js';
import { formatTable, percent, toCsv } from '../kit/report.js';
import type { CheckpointScore } from '../kit/sft.js';
import type { Gsm8kQloraConfig } from './config.js';

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

export const SUMMARY_COLUMNS = ['model', 'data', 'method', 'hyperparameters', 'base_accuracy', 'accuracy', 'base_safety', 'safety', 'accuracy_threshold', 'safety_threshold', 'chosen_checkpoint', 'result'];

export function passes(config: Gsm8kQloraConfig, tuned: ModelScores): boolean {
  return tuned.accuracy >= config.thresholds.accuracy && (tuned.safety === null || tuned.safety >= config.thresholds.safety);
}

function hyperparameters(c: Gsm8kQloraConfig): string {
  const t = c.train;
  return `r=${c.lora.r} alpha=${c.lora.alpha} dropout=${c.lora.dropout} lr=${t.learning_rate} epochs=${t.epochs} batch=${t.batch_size}x${t.grad_accum} k=${c.few_shot.k} train=${c.data.train_limit ?? 'all'}${c.data.refine ? ' refined' : ''}`;
}

/** The recipe's cells of its runs/summary.csv row (the kit adds run, recipe and date). */
export function summaryRow(config: Gsm8kQloraConfig, r: RunResult): Row {
  const rate = (x: number | null) => (x === null ? null : x.toFixed(4));
  return {
    model: config.model,
    data: config.data.train_file,
    method: fineTuneMethod(config.quantization),
    hyperparameters: hyperparameters(config),
    base_accuracy: rate(r.base.accuracy),
    accuracy: rate(r.tuned.accuracy),
    base_safety: rate(r.base.safety),
    safety: rate(r.tuned.safety),
    accuracy_threshold: config.thresholds.accuracy,
    safety_threshold: config.thresholds.safety,
    chosen_checkpoint: r.chosenCheckpoint,
    result: r.passed ? 'PASS' : 'FAIL',
  };
}

export function checkpointScoresCsv(scores: readonly CheckpointScore[]): string {
  return toCsv(['checkpoint', 'step', 'dev_accuracy'], scores.map((s) => ({ checkpoint: `checkpoint-${s.step}`, step: s.step, dev_accuracy: s.score.toFixed(4) })));
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
