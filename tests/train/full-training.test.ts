import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../src/model/model.js';
import { causalLmLossRef, qwenLogitsRef } from '../../src/cpu/qwen.js';
import { FullTrainable } from '../../src/train/full-trainable.js';
import { padBatch } from '../../src/train/batches.js';
import { train, TrainConfigSchema } from '../../src/train/trainer.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { freshRng, relError, testDevice } from '../helpers/gpu.js';
import { TINY_QWEN2, TINY_QWEN3, writeTinyQwen } from '../helpers/tiny-qwen.js';

const device = await testDevice();

describe('full-parameter training', () => {
  it.each([
    ['Qwen3', TINY_QWEN3],
    ['Qwen2 (biases, tied head)', TINY_QWEN2],
  ])('%s: gradients of every kind of weight match central differences of the reference', async (_, spec) => {
    const tiny = await writeTinyQwen({ ...spec, dtype: 'F32', numLayers: 1 });
    const V = tiny.config.vocabSize;
    const model = await loadModel(tiny.dir, { device, dtype: 'f32' });
    const trainable = new FullTrainable(model);
    const { rng, seed } = freshRng();
    const ids = Array.from({ length: 7 }, () => rng.int(V));
    const batch = padBatch([{ input_ids: ids, labels: ids }], 0);
    const grads = new Map<string, Tensor>();
    await trainable.accumulateGrads(batch, 1 / batch.counted, grads, 0);
    expect([...grads.keys()].sort()).toEqual([...trainable.parameters.keys()].sort());
    const loss = (w: Map<string, Float32Array>) => causalLmLossRef(qwenLogitsRef(w, tiny.config, ids), ids, V);
    const fd: number[] = [];
    const gpu: number[] = [];
    for (const name of [...tiny.weights.keys()].filter((n) => !n.includes('lm_head') || !spec.tieWordEmbeddings)) {
      const values = tiny.weights.get(name)!;
      const at = name === 'model.embed_tokens.weight' ? ids[2]! * tiny.config.hiddenSize + 3 : rng.int(values.length);
      const h = 1e-2;
      const shifted = (d: number) => new Map([...tiny.weights].map(([n, v]) => [n, n === name ? v.map((x, i) => (i === at ? x + d : x)) : v]));
      fd.push((loss(shifted(h)) - loss(shifted(-h))) / (2 * h));
      gpu.push((await grads.get(name)!.readFloat())[at]!);
    }
    expect(relError(gpu, fd), `seed ${seed}`).toBeLessThan(5e-3);
    model.dispose();
  });

  it('overfits a batch with every weight trainable', async () => {
    const tiny = await writeTinyQwen({ ...TINY_QWEN3, dtype: 'F32' });
    const model = await loadModel(tiny.dir, { device, dtype: 'f32' });
    const examples = [[5, 9, 14, 200, 31], [44, 3, 120, 8]].map((ids) => ({ input_ids: ids, labels: ids }));
    const config = TrainConfigSchema.parse({ maxSteps: 25, batchSize: 2, lr: 1e-2, schedule: { type: 'constant' } });
    const { history } = await train(new FullTrainable(model), examples, config, { runDir: await mkdtemp(join(tmpdir(), 'wgml-full-')) });
    expect(history.at(-1)!.loss).toBeLessThan(history[0]!.loss / 10);
    model.dispose();
  });

  it('saves the trained model as a HuggingFace directory that loads back to the same logits', async () => {
    const tiny = await writeTinyQwen({ ...TINY_QWEN3, dtype: 'F32' });
    const model = await loadModel(tiny.dir, { device, dtype: 'f32' });
    const examples = [{ input_ids: [5, 9, 14], labels: [5, 9, 14] }];
    await train(new FullTrainable(model), examples, TrainConfigSchema.parse({ maxSteps: 2, batchSize: 1, lr: 1e-2 }), { runDir: await mkdtemp(join(tmpdir(), 'wgml-full-')) });
    const out = await mkdtemp(join(tmpdir(), 'wgml-saved-'));
    await model.save(out, 'F32');
    const reloaded = await loadModel(out, { device });
    expect(relError(await reloaded.logits([5, 9, 14]), await model.logits([5, 9, 14]))).toBeLessThan(1e-6);
    expect(relError(await reloaded.logits([5, 9, 14]), (await (await loadModel(tiny.dir, { device })).logits([5, 9, 14])))).toBeGreaterThan(1e-3);
    for (const m of [model, reloaded]) m.dispose();
  });

  it('refuses weights that are not f32, saying how to load them', async () => {
    const tiny = await writeTinyQwen(TINY_QWEN3);
    const model = await loadModel(tiny.dir, { device });
    expect(() => new FullTrainable(model)).toThrow(/needs f32 weights.*dtype: 'f32'/);
    model.dispose();
  });
});
