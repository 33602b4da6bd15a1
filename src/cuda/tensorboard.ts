// TensorBoard events for a CUDA training run, made from the metrics.jsonl the worker wrote, with the
// tags the WebGPU trainer uses (src/train/metrics.ts), so both backends' runs read the same in
// TensorBoard. Rebuilt whole after each run: metrics.jsonl is already free of steps logged twice.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TensorBoardWriter } from '../train/tensorboard.js';

interface Row {
  step: number;
  loss?: number;
  lr?: number;
  gradNorm?: number;
  tokensPerS?: number;
  evalLoss?: number;
  time?: string;
}

/** Writes <runDir>/tensorboard/ from <runDir>/metrics.jsonl; returns the number of steps written. */
export async function metricsToTensorBoard(runDir: string): Promise<number> {
  const text = await readFile(join(runDir, 'metrics.jsonl'), 'utf8').catch(() => '');
  const rows = text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Row);
  // resumeFrom 0 drops every earlier step from older event files: this writer holds them all again.
  const writer = await TensorBoardWriter.create(join(runDir, 'tensorboard'), 0);
  for (const r of rows) {
    const scalars: Record<string, number> = {};
    if (r.loss !== undefined) Object.assign(scalars, { 'train/loss': r.loss, 'train/lr': r.lr!, 'train/grad_norm': r.gradNorm!, 'train/tokens_per_s': r.tokensPerS! });
    if (r.evalLoss !== undefined) scalars['eval/loss'] = r.evalLoss;
    await writer.addScalars(r.step, scalars, r.time ? Date.parse(r.time) / 1000 : undefined);
  }
  return rows.length;
}
