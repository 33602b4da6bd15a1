import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { train, TrainConfigSchema } from '../../src/train/trainer.js';
import type { LabelledExample } from '../../src/train/labels.js';
import { testDevice } from '../helpers/gpu.js';
import { UnigramModel } from '../helpers/unigram.js';

const device = await testDevice();
const V = 6;
// Token 3 follows most often, then 4: a unigram model learns those frequencies.
const data: LabelledExample[] = Array.from({ length: 12 }, (_, i) => {
  const ids = [1, 3, i % 3 === 0 ? 4 : 3, 3, ...(i % 2 ? [5] : [])];
  return { input_ids: ids, labels: [-100, ...ids.slice(1)] };
});
const config = TrainConfigSchema.parse({ maxSteps: 6, batchSize: 2, gradAccum: 2, lr: 0.3, saveEvery: 2, keepLast: 3, schedule: { type: 'cosine', warmupSteps: 1 } });
const runDir = () => mkdtemp(join(tmpdir(), 'wgml-run-'));

describe('train', () => {
  it('lowers the loss and logs every step', async () => {
    const model = new UnigramModel(device, V);
    const { history } = await train(model, data, config, { runDir: await runDir() });
    expect(history.map((h) => h.step)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(history.at(-1)!.loss).toBeLessThan(history[0]!.loss * 0.8);
    expect(history[0]!.lr).toBe(0);
  });

  it('resumes a killed run to the same result as an uninterrupted one', async () => {
    const whole = new UnigramModel(device, V);
    await train(whole, data, config, { runDir: await runDir() });
    const dir = await runDir();
    const killed = new UnigramModel(device, V);
    const kill = (_: string, m: { step: number }) => {
      if (m.step === 3) throw new Error('killed');
    };
    await expect(train(killed, data, config, { runDir: dir, onProgress: kill })).rejects.toThrow('killed');
    const resumed = new UnigramModel(device, V);
    const { history } = await train(resumed, data, config, { runDir: dir, resume: true });
    expect(history[0]!.step).toBe(3);
    const [a, b] = [await whole.parameters.get('theta')!.readFloat(), await resumed.parameters.get('theta')!.readFloat()];
    a.forEach((v, i) => expect(b[i]).toBeCloseTo(v, 5));
  });

  it('never overwrites an existing run unless asked to resume', async () => {
    const dir = await runDir();
    await train(new UnigramModel(device, V), data, config, { runDir: dir });
    await expect(train(new UnigramModel(device, V), data, config, { runDir: dir })).rejects.toThrow(/already holds checkpoints.*--resume/);
  });

  it('reports the eval loss every N steps', async () => {
    const { history } = await train(new UnigramModel(device, V), data, { ...config, evalEvery: 3 }, { runDir: await runDir(), evalData: data.slice(0, 4) });
    expect(history.map((h) => h.evalLoss !== undefined)).toEqual([false, false, true, false, false, true]);
  });

  it('refuses a step whose labels are all masked', async () => {
    const masked = data.map((e) => ({ ...e, labels: e.labels.map(() => -100) }));
    await expect(train(new UnigramModel(device, V), masked, config, { runDir: await runDir() })).rejects.toThrow(/no token with a label/);
  });
});
