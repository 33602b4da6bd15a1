// The quantization block: a 4-bit base for QLoRA, or format none for plain LoRA on the base as stored.
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Gsm8kQloraConfigSchema } from '../../../recipes/gsm8k-qlora/config.js';
import { gsm8kQlora } from '../../../recipes/gsm8k-qlora/recipe.js';
import { fineTuneMethod, QuantizationBlock } from '../../../recipes/kit/blocks.js';
import { loadConfig } from '../../../recipes/kit/config.js';
import { loadBase, quantizeOption } from '../../../recipes/kit/model.js';
import { presetFile } from '../../../recipes/kit/paths.js';
import { runRecipe } from '../../../recipes/kit/recipe.js';
import { readPeftAdapter } from '../../../src/io/peft.js';
import { loadModel } from '../../../src/model/model.js';
import { testDevice } from '../../helpers/gpu.js';

const IDS = [5, 17, 42, 99, 123, 7];
const block = (format: 'nf4' | 'q4' | 'none', double_quant = true) => QuantizationBlock.parse({ format, double_quant });

describe('the quantization block', () => {
  it('defaults to nf4 with double quantization in blocks of 64', () => {
    expect(QuantizationBlock.parse(undefined)).toEqual({ format: 'nf4', double_quant: true, block_size: 64 });
  });

  it('gives loadModel a 4-bit spec, or none for format none', () => {
    expect(quantizeOption(block('nf4'))).toEqual({ format: 'nf4', doubleQuant: true, blockSize: 64 });
    expect(quantizeOption(block('none'))).toBeUndefined();
  });

  it('names the method in summary rows: qlora-nf4-dq, qlora-q4, lora-bf16', () => {
    expect([fineTuneMethod(block('nf4')), fineTuneMethod(block('q4', false)), fineTuneMethod(block('none'))]).toEqual(['qlora-nf4-dq', 'qlora-q4', 'lora-bf16']);
  });

  it('format none loads the shipped base as stored: the logits of loadModel without quantize, unlike nf4', async () => {
    const device = await testDevice();
    const logitsOf = async (model: Awaited<ReturnType<typeof loadModel>>) => {
      const out = await model.logits(IDS);
      model.dispose();
      return out;
    };
    const stored = await logitsOf(await loadModel('models/qwen3-tiny', { device }));
    expect(await logitsOf(await loadBase('models/qwen3-tiny', block('none'), device))).toEqual(stored);
    expect(await logitsOf(await loadBase('models/qwen3-tiny', block('nf4'), device))).not.toEqual(stored);
  });
});

describe('a gsm8k-qlora smoke run with quantization.format none', () => {
  it('trains plain LoRA on the bf16 base, evaluates its adapter and names the method lora-bf16 in summary.csv', { timeout: 300_000 }, async () => {
    const out = await mkdtemp(join(tmpdir(), 'wgml-lora-bf16-'));
    const config = await loadConfig(Gsm8kQloraConfigSchema, {
      files: [presetFile('gsm8k-qlora', 'simple'), presetFile('gsm8k-qlora', 'smoke')],
      sets: [`output_dir=${join(out, 'runs', 'gsm8k-qlora')}`, 'run_name=b', 'quantization.format=none', 'safety.enabled=false', 'data.test_limit=2', 'eval.max_new_tokens=8', 'train.max_steps=2'],
    });
    await runRecipe(gsm8kQlora, config, { device: await testDevice(), log: () => {} });
    const lora = await readPeftAdapter(join(out, 'runs', 'gsm8k-qlora', 'b', 'adapter'));
    expect([...lora.tensors.keys()].some((n) => n.endsWith('q_proj.lora_B.weight'))).toBe(true);
    const [head, row] = (await readFile(join(out, 'runs', 'summary.csv'), 'utf8')).trim().split('\n');
    expect(row!.split(',')[head!.split(',').indexOf('method')]).toBe('lora-bf16');
  });
});
