import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../src/model/model.js';
import { CheckpointFormatError } from '../../src/errors.js';
import { LoraTrainable } from '../../src/train/lora-trainable.js';
import { train, TrainConfigSchema } from '../../src/train/trainer.js';
import type { LabelledExample } from '../../src/train/labels.js';
import { relError, testDevice } from '../helpers/gpu.js';
import { TINY_QWEN3, writeTinyQwen } from '../helpers/tiny-qwen.js';

const device = await testDevice();
const tiny = await writeTinyQwen(TINY_QWEN3);
const examples: LabelledExample[] = [
  [5, 9, 14, 200, 31, 7, 7, 90],
  [44, 3, 120, 120, 8, 250],
  [60, 61, 62, 63, 64, 65, 66],
  [299, 1, 150, 22, 9],
].map((ids) => ({ input_ids: ids, labels: [-100, ...ids.slice(1)] }));
const tempDir = () => mkdtemp(join(tmpdir(), 'wgml-lora-'));

async function trainOn(quantize?: 'nf4', steps = 40, runDir?: string, dir = tiny.dir) {
  const model = await loadModel(dir, { device, quantize });
  const adapter = model.addLora({ r: 16, alpha: 32, dropout: 0 });
  const config = TrainConfigSchema.parse({ maxSteps: steps, batchSize: 4, lr: 3e-2, schedule: { type: 'constant' }, optimizer: { maxGradNorm: 1 } });
  const result = await train(new LoraTrainable(model, adapter), examples, config, { runDir: runDir ?? (await tempDir()) });
  return { model, result };
}

describe('LoRA training', () => {
  it('overfits four examples: the loss falls below a tenth of where it started', async () => {
    const { model, result } = await trainOn(undefined, 60);
    const losses = result.history.map((h) => h.loss);
    expect(losses.at(-1)!).toBeLessThan(losses[0]! / 10);
    model.dispose();
  });

  it('trains on an nf4 base (QLoRA)', async () => {
    const { model, result } = await trainOn('nf4', 15);
    const losses = result.history.map((h) => h.loss);
    expect(losses.at(-1)!).toBeLessThan(losses[0]! * 0.6);
    model.dispose();
  });

  it('saves a PEFT adapter that loads back to the same logits', async () => {
    const { model } = await trainOn(undefined, 5);
    const dir = await tempDir();
    await model.saveAdapter(dir);
    const ids = [5, 9, 14, 200];
    const trained = await model.logits(ids);
    const reloaded = await loadModel(tiny.dir, { device, adapter: dir });
    expect(relError(await reloaded.logits(ids), trained)).toBeLessThan(1e-6);
    const base = await loadModel(tiny.dir, { device });
    expect(relError(await base.logits(ids), trained)).toBeGreaterThan(1e-3);
    for (const m of [model, reloaded, base]) m.dispose();
  });

  it('merges the adapter into f32 base weights with the same outputs, which differ from the base', async () => {
    const f32 = await writeTinyQwen({ ...TINY_QWEN3, dtype: 'F32' });
    const { model } = await trainOn(undefined, 5, undefined, f32.dir);
    const ids = [5, 9, 14, 200];
    const before = await model.logits(ids);
    const base = await loadModel(f32.dir, { device });
    const moved = relError(await base.logits(ids), before);
    await model.mergeAdapter();
    expect(model.adapter).toBeNull();
    const merged = relError(await model.logits(ids), before);
    expect(merged, `merged vs adapter`).toBeLessThan(1e-5);
    expect(moved, `adapter vs base`).toBeGreaterThan(1000 * 1e-5);
    for (const m of [model, base]) m.dispose();
  });

  it('merges the adapter into bf16 base weights within their rounding, far from the base', async () => {
    const { model } = await trainOn(undefined, 5);
    const ids = [5, 9, 14, 200];
    const before = await model.logits(ids);
    const base = await loadModel(tiny.dir, { device });
    const moved = relError(await base.logits(ids), before);
    await model.mergeAdapter();
    const merged = relError(await model.logits(ids), before);
    // bf16 keeps 8 bits of mantissa: each merged weight is rounded by up to 2^-9 relative.
    expect(merged, `merged vs adapter`).toBeLessThan(1e-2);
    expect(moved, `adapter vs base`).toBeGreaterThan(100 * merged);
    for (const m of [model, base]) m.dispose();
  });

  it('refuses an adapter made for another model shape, naming the tensor', async () => {
    const other = await writeTinyQwen({ ...TINY_QWEN3, hiddenSize: 32 });
    const otherModel = await loadModel(other.dir, { device });
    otherModel.addLora({ r: 4 });
    const dir = await tempDir();
    await otherModel.saveAdapter(dir);
    await expect(loadModel(tiny.dir, { device, adapter: dir })).rejects.toThrow(CheckpointFormatError);
    await expect(loadModel(tiny.dir, { device, adapter: dir })).rejects.toThrow(/layers\.0\.self_attn\.q_proj\.lora_A\.weight has shape \[4, 32\].*another model shape/);
    otherModel.dispose();
  });

  it('resumes a killed LoRA run to the same adapter as an uninterrupted run', async () => {
    const config = TrainConfigSchema.parse({ maxSteps: 4, batchSize: 2, lr: 1e-2, saveEvery: 2 });
    const run = async (runDir: string, opts: { kill?: boolean; resume?: boolean }) => {
      const model = await loadModel(tiny.dir, { device });
      const adapter = model.addLora({ r: 4, dropout: 0.1 });
      const onProgress = (_: string, m: { step: number }) => {
        if (opts.kill && m.step === 3) throw new Error('killed');
      };
      await train(new LoraTrainable(model, adapter), examples, config, { runDir, resume: opts.resume, onProgress }).catch((e: Error) => {
        if (e.message !== 'killed') throw e;
      });
      const values = await Promise.all([...adapter.parameters.values()].map((t) => t.readFloat()));
      model.dispose();
      return values.flatMap((v) => [...v]);
    };
    const whole = await run(await tempDir(), {});
    const dir = await tempDir();
    await run(dir, { kill: true });
    expect(relError(await run(dir, { resume: true }), whole)).toBeLessThan(1e-5);
  });
});

describe('trainable rows of new tokens', () => {
  const newTokens = [298, 299];

  it('give the reference gradient of the embedding and head rows (central differences)', async () => {
    const f32 = await writeTinyQwen({ ...TINY_QWEN3, dtype: 'F32' });
    const model = await loadModel(f32.dir, { device });
    model.addLora({ r: 2, dropout: 0, trainableTokenIndices: newTokens });
    const ids = [5, 298, 14, 299, 31, 298];
    const { grads } = await model.lossAndGrads({ input_ids: ids, labels: ids });
    const { causalLmLossRef, qwenLogitsRef } = await import('../../src/cpu/qwen.js');
    const loss = (w: Map<string, Float32Array>) => causalLmLossRef(qwenLogitsRef(w, f32.config, ids), ids, f32.config.vocabSize);
    const C = f32.config.hiddenSize;
    const fdAt = (name: string, row: number, col: number) => {
      const h = 1e-2;
      const at = row * C + col;
      const shifted = (d: number) => new Map([...f32.weights].map(([n, v]) => [n, n === name ? v.map((x, i) => (i === at ? x + d : x)) : v]));
      return (loss(shifted(h)) - loss(shifted(-h))) / (2 * h);
    };
    const embedRows = grads.get('base_model.model.model.embed_tokens.token_adapter.trainable_tokens_delta')!;
    const headRows = grads.get('base_model.model.lm_head.token_adapter.trainable_tokens_delta')!;
    const gpu = [embedRows[0 * C + 3]!, embedRows[1 * C + 7]!, headRows[0 * C + 1]!, headRows[1 * C + 5]!];
    const fd = [fdAt('model.embed_tokens.weight', 298, 3), fdAt('model.embed_tokens.weight', 299, 7), fdAt('lm_head.weight', 298, 1), fdAt('lm_head.weight', 299, 5)];
    expect(relError(gpu, fd)).toBeLessThan(5e-3);
    model.dispose();
  });

  it('train, change only their own rows, and save and load with the adapter', async () => {
    const model = await loadModel(tiny.dir, { device });
    const adapter = model.addLora({ r: 4, dropout: 0, trainableTokenIndices: newTokens });
    const data = [{ input_ids: [5, 298, 299, 7], labels: [5, 298, 299, 7] }];
    await train(new LoraTrainable(model, adapter), data, TrainConfigSchema.parse({ maxSteps: 3, batchSize: 1, lr: 1e-2 }), { runDir: await tempDir() });
    const table = await model.net.embedTokens.readFloat();
    const C = tiny.config.hiddenSize;
    const original = tiny.weights.get('model.embed_tokens.weight')!;
    expect(table.subarray(5 * C, 6 * C)).toEqual(original.subarray(5 * C, 6 * C));
    expect(relError(table.subarray(298 * C, 299 * C), original.subarray(298 * C, 299 * C))).toBeGreaterThan(1e-4);
    const dir = await tempDir();
    await model.saveAdapter(dir);
    const ids = [298, 5, 299];
    const trained = await model.logits(ids);
    const reloaded = await loadModel(tiny.dir, { device, adapter: dir });
    expect(relError(await reloaded.logits(ids), trained)).toBeLessThan(1e-6);
    const base = await loadModel(tiny.dir, { device });
    const [a, b] = [await base.logits([5, 7]), await reloaded.logits([5, 7])];
    expect(relError(b, a), 'the LoRA moved too').toBeGreaterThan(1e-3);
    for (const m of [model, reloaded, base]) m.dispose();
  });
});
