// A run's metrics.jsonl read back: one entry per step (the last line of a step wins, as a resumed run
// logs some steps twice), training lines and eval-only lines (step 0) merged by step.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StepMetrics } from '../../src/train/metrics.js';

/** A step's metrics; `loss` is absent on a line with only eval scalars (step 0). */
export type HistoryEntry = Partial<StepMetrics> & { step: number };

export async function readHistory(runDir: string): Promise<HistoryEntry[]> {
  const text = await readFile(join(runDir, 'metrics.jsonl'), 'utf8').catch(() => '');
  const byStep = new Map<number, HistoryEntry>();
  for (const line of text.split('\n').filter((l) => l.trim())) {
    const m = JSON.parse(line) as HistoryEntry;
    byStep.set(m.step, { ...byStep.get(m.step), ...m, scalars: { ...byStep.get(m.step)?.scalars, ...m.scalars } });
  }
  return [...byStep.values()].sort((a, b) => a.step - b.step);
}

/** The training steps (those with a loss), as the loss curve wants them. */
export function trainingSteps(history: readonly HistoryEntry[]): StepMetrics[] {
  return history.filter((m): m is StepMetrics => m.loss !== undefined);
}

/** [step, value] of an eval scalar wherever it was measured. */
export function scalarSeries(history: readonly HistoryEntry[], name: string): [number, number][] {
  return history.flatMap((m) => (m.scalars?.[name] === undefined ? [] : [[m.step, m.scalars[name]] as [number, number]]));
}
