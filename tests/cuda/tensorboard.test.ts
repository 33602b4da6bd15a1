// A CUDA run's metrics.jsonl mirrored into TensorBoard with the WebGPU trainer's tags; rebuilt after
// a resumed run, each step appears once.
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { metricsToTensorBoard } from '../../src/cuda/tensorboard.js';
import { readTensorBoardScalars } from '../../src/train/tensorboard.js';

const row = (step: number, extra: object = {}) => JSON.stringify({ step, loss: 2 / step, lr: 1e-4, gradNorm: 0.5, tokensPerS: 100, gpuMemoryBytes: 0, ...extra, time: '2026-12-01T23:00:00.000Z' });

async function scalars(runDir: string) {
  const dir = join(runDir, 'tensorboard');
  const all = await Promise.all((await readdir(dir)).map((f) => readTensorBoardScalars(join(dir, f))));
  return all.flat();
}

describe('metricsToTensorBoard', () => {
  it("writes the WebGPU trainer's tags for every row", async () => {
    const run = await mkdtemp(join(tmpdir(), 'wgml-cuda-tb-'));
    await writeFile(join(run, 'metrics.jsonl'), [row(1), row(2, { evalLoss: 1.5 })].join('\n') + '\n');
    expect(await metricsToTensorBoard(run)).toBe(2);
    const got = await scalars(run);
    expect(got.filter((s) => s.tag === 'train/loss').map((s) => [s.step, s.value])).toEqual([[1, 2], [2, 1]]);
    expect(got.filter((s) => s.tag === 'eval/loss').map((s) => s.step)).toEqual([2]);
    expect(new Set(got.map((s) => s.tag))).toEqual(new Set(['train/loss', 'train/lr', 'train/grad_norm', 'train/tokens_per_s', 'eval/loss']));
  });

  it('rebuilt after a resumed run holds each step once', async () => {
    const run = await mkdtemp(join(tmpdir(), 'wgml-cuda-tb-'));
    await writeFile(join(run, 'metrics.jsonl'), [row(1), row(2)].join('\n') + '\n');
    await metricsToTensorBoard(run);
    await writeFile(join(run, 'metrics.jsonl'), [row(1), row(2), row(3)].join('\n') + '\n');
    await metricsToTensorBoard(run);
    expect((await scalars(run)).filter((s) => s.tag === 'train/loss').map((s) => s.step).sort()).toEqual([1, 2, 3]);
  });
});
