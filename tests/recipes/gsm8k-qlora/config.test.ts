import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseSet } from '../../../recipes/kit/config.js';
import { presetFile } from '../../../recipes/kit/paths.js';
import { Gsm8kQloraConfigSchema } from '../../../recipes/gsm8k-qlora/config.js';

const load = (files: string[], sets: string[] = []) => loadConfig(Gsm8kQloraConfigSchema, { files, sets });

describe('gsm8k-qlora presets', () => {
  it('give simple, medium and strong their few-shot k, epochs and thresholds', async () => {
    const [simple, medium, strong] = await Promise.all(['simple', 'medium', 'strong'].map((p) => load([presetFile('gsm8k-qlora', p)])));
    expect([simple!.few_shot.k, medium!.few_shot.k, strong!.few_shot.k]).toEqual([3, 5, 8]);
    expect([simple!.train.epochs, medium!.train.epochs, strong!.train.epochs]).toEqual([1, 1, 2]);
    expect([simple!.thresholds, medium!.thresholds, strong!.thresholds]).toEqual([
      { accuracy: 0.26, safety: 0.26 },
      { accuracy: 0.31, safety: 0.34 },
      { accuracy: 0.37, safety: 0.42 },
    ]);
  });

  it('sweep checkpoints in medium and train on the refined file in strong', async () => {
    expect((await load([presetFile('gsm8k-qlora', 'medium')])).sweep.enabled).toBe(true);
    expect((await load([presetFile('gsm8k-qlora', 'strong')])).data.refine).toBe(true);
  });

  it('train a QLoRA adapter on an nf4 base with double quantization, on every projection', async () => {
    const c = await load([presetFile('gsm8k-qlora', 'simple')]);
    expect(c.quantization).toEqual({ format: 'nf4', double_quant: true, block_size: 64 });
    expect(c.lora.target_modules).toEqual(['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj']);
  });

  it('shrink to a smoke run with the smoke overlay', async () => {
    const c = await load([presetFile('gsm8k-qlora', 'simple'), presetFile('gsm8k-qlora', 'smoke')]);
    expect(c.train.max_steps).toBeLessThanOrEqual(4);
    expect(c.data.test_limit).toBeLessThanOrEqual(8);
    expect(c.few_shot.k).toBe(3);
  });
});

describe('config overrides', () => {
  it('apply --config files over the preset and --set pairs over both', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wgml-config-'));
    const file = join(dir, 'mine.yaml');
    await writeFile(file, 'train:\n  learning_rate: 1.0e-4\n  epochs: 3\n');
    const c = await load([presetFile('gsm8k-qlora', 'simple'), file], ['train.epochs=5', 'lora.target_modules=[q_proj, v_proj]']);
    expect(c.train.learning_rate).toBe(1e-4);
    expect(c.train.epochs).toBe(5);
    expect(c.lora.target_modules).toEqual(['q_proj', 'v_proj']);
    expect(c.lora.r).toBe(16);
  });

  it('read --set values as YAML, so numbers, booleans and null keep their types', () => {
    expect(parseSet('a.b=3')).toEqual({ a: { b: 3 } });
    expect(parseSet('x=true')).toEqual({ x: true });
    expect(parseSet('data.train_limit=null')).toEqual({ data: { train_limit: null } });
  });

  it('name the field of a wrongly typed value', async () => {
    await expect(load([presetFile('gsm8k-qlora', 'simple')], ['train.learning_rate=fast'])).rejects.toThrow(/config field "train\.learning_rate"/);
  });

  it('reject an unknown key instead of ignoring it', async () => {
    await expect(load([presetFile('gsm8k-qlora', 'simple')], ['train.learnin_rate=0.1'])).rejects.toThrow(/train/);
  });

  it('reject a --set without =', async () => {
    expect(() => parseSet('train.epochs')).toThrow(/expected key=value/);
  });
});
