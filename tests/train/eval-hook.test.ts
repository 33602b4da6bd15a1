import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { train, TrainConfigSchema } from '../../src/train/trainer.js';
import type { LabelledExample } from '../../src/train/labels.js';
import { testDevice } from '../helpers/gpu.js';
import { UnigramModel } from '../helpers/unigram.js';

const device = await testDevice();
const data: LabelledExample[] = Array.from({ length: 8 }, () => ({ input_ids: [1, 3, 3, 4], labels: [-100, 3, 3, 4] }));
const config = TrainConfigSchema.parse({ maxSteps: 5, batchSize: 2, lr: 0.3, evalEvery: 2 });

describe("the trainer's evaluate hook", () => {
  it('runs at step 0, every evalEvery steps and at the last, its scalars logged to metrics.jsonl', async () => {
    const runDir = await mkdtemp(join(tmpdir(), 'wgml-hook-'));
    const calls: number[] = [];
    const evaluate = async (step: number) => (calls.push(step), { rate: step / 10 });
    const { history } = await train(new UnigramModel(device, 6), data, config, { runDir, evaluate });
    expect(calls).toEqual([0, 2, 4, 5]);
    expect(history.map((m) => m.scalars?.rate)).toEqual([undefined, 0.2, undefined, 0.4, 0.5]);
    const lines = (await readFile(join(runDir, 'metrics.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { step: number; scalars?: { rate: number } });
    expect(lines.filter((l) => l.scalars).map((l) => [l.step, l.scalars!.rate])).toEqual([[0, 0], [2, 0.2], [4, 0.4], [5, 0.5]]);
  });

  it('runs at step 0 again on a resume with no checkpoint yet, its row logged once', async () => {
    const runDir = await mkdtemp(join(tmpdir(), 'wgml-hook-'));
    const evaluate = async (step: number) => ({ rate: step / 10 });
    const short = TrainConfigSchema.parse({ ...config, maxSteps: 2, saveEvery: 2 });
    // A run killed after its step-0 evaluation, before its first checkpoint, left this row.
    await writeFile(join(runDir, 'metrics.jsonl'), '{"step":0,"scalars":{"rate":0}}\n');
    await train(new UnigramModel(device, 6), data, short, { runDir, evaluate, resume: true });
    const steps = (await readFile(join(runDir, 'metrics.jsonl'), 'utf8')).trim().split('\n').map((l) => (JSON.parse(l) as { step: number }).step);
    expect(steps).toEqual([0, 1, 2]);
  });
});
