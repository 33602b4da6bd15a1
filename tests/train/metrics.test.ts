import { appendFile, mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MetricsLogger, progressLine } from '../../src/train/metrics.js';
import { readTensorBoardScalars } from '../../src/train/tensorboard.js';

const step = { step: 3, loss: 1.5, lr: 2e-4, gradNorm: 0.7, tokensPerS: 812, gpuMemoryBytes: 1 << 20 };

describe('training metrics', () => {
  it('append one JSON line per step and the same scalars to TensorBoard', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wgml-metrics-'));
    const logger = await MetricsLogger.create(dir);
    await logger.log(step);
    await logger.log({ ...step, step: 4, loss: 1.25, evalLoss: 1.4 });
    const lines = (await readFile(join(dir, 'metrics.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.step, l.loss, l.gpuMemoryBytes])).toEqual([[3, 1.5, 1 << 20], [4, 1.25, 1 << 20]]);
    const [events] = await readdir(join(dir, 'tensorboard'));
    const scalars = await readTensorBoardScalars(join(dir, 'tensorboard', events!));
    expect(scalars.filter((s) => s.tag === 'train/loss').map((s) => [s.step, s.value])).toEqual([[3, 1.5], [4, 1.25]]);
    expect(scalars.find((s) => s.tag === 'eval/loss')?.value).toBeCloseTo(1.4, 6);
  });

  it('print step, loss, tokens/s and an ETA from the pace so far', () => {
    expect(progressLine({ ...step, step: 10 }, 100, 20, 10)).toBe('step 10/100 · loss 1.5000 · lr 2.00e-4 · 812 tok/s · ETA 3m00s');
  });
});

describe('metrics.jsonl on resume', () => {
  it('drops the rows past the resumed checkpoint, so each step appears once (and a torn last row goes too)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wgml-metrics-'));
    const row = (step: number) => ({ step, loss: 1 / step, lr: 1e-3, gradNorm: 1, tokensPerS: 10, gpuMemoryBytes: 0 });
    const first = await MetricsLogger.create(dir);
    for (const step of [1, 2, 3, 4, 5]) await first.log(row(step));
    await appendFile(join(dir, 'metrics.jsonl'), '{"step": 6, "lo');
    const resumed = await MetricsLogger.create(dir, 3);
    for (const step of [4, 5, 6]) await resumed.log(row(step));
    const steps = (await readFile(join(dir, 'metrics.jsonl'), 'utf8')).trim().split('\n').map((l) => (JSON.parse(l) as { step: number }).step);
    expect(steps).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('drops the TensorBoard events past the resumed checkpoint, so each step appears once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wgml-metrics-'));
    const row = (step: number) => ({ step, loss: 1 / step, lr: 1e-3, gradNorm: 1, tokensPerS: 10, gpuMemoryBytes: 0 });
    const first = await MetricsLogger.create(dir);
    for (const step of [1, 2, 3, 4, 5]) await first.log(row(step));
    const resumed = await MetricsLogger.create(dir, 3);
    for (const step of [4, 5, 6]) await resumed.log(row(step));
    const files = await readdir(join(dir, 'tensorboard'));
    const scalars = (await Promise.all(files.map((f) => readTensorBoardScalars(join(dir, 'tensorboard', f))))).flat();
    expect(scalars.filter((s) => s.tag === 'train/loss').map((s) => s.step).sort()).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
