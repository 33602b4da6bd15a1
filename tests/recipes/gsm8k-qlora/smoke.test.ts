import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../recipes/kit/config.js';
import { presetFile } from '../../../recipes/kit/paths.js';
import { Gsm8kQloraConfigSchema } from '../../../recipes/gsm8k-qlora/config.js';
import { gsm8kQlora } from '../../../recipes/gsm8k-qlora/recipe.js';
import { runRecipe } from '../../../recipes/kit/recipe.js';
import { testDevice } from '../../helpers/gpu.js';

const device = await testDevice();
const out = await mkdtemp(join(tmpdir(), 'wgml-gsm8k-qlora-'));

const readJsonl = async (file: string) => (await readFile(file, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

describe('a gsm8k-qlora smoke run on the shipped tiny default', () => {
  it('writes every output, both models evaluated, and a PASS/FAIL summary row', { timeout: 600_000 }, async () => {
    const config = await loadConfig(Gsm8kQloraConfigSchema, {
      files: [presetFile('gsm8k-qlora', 'medium'), presetFile('gsm8k-qlora', 'smoke')],
      sets: [`output_dir=${join(out, 'runs', 'gsm8k-qlora')}`, 'run_name=smoke', 'data.refine=true', 'data.test_limit=4', 'safety.limit=2', 'few_shot.k=1'],
    });
    const lines: string[] = [];
    await runRecipe(gsm8kQlora, config, { device, log: (l) => lines.push(l) });
    const dir = join(out, 'runs', 'gsm8k-qlora', 'smoke');
    for (const file of ['config_resolved.json', 'few_shot_pool.jsonl', 'train_refined.jsonl', 'adapter/adapter_config.json', 'adapter/adapter_model.safetensors', 'checkpoints/checkpoint-2', 'checkpoints/checkpoint-4', 'checkpoint_scores.csv', 'gsm8k_preds.jsonl', 'safety_preds.jsonl', 'safety_scores.jsonl', 'metrics.jsonl', 'tensorboard', 'loss_curve.svg', 'results.json']) {
      expect(existsSync(join(dir, file)), file).toBe(true);
    }
    const preds = await readJsonl(join(dir, 'gsm8k_preds.jsonl'));
    expect(preds.map((p) => p.model)).toEqual(['base', 'base', 'base', 'base', 'finetuned', 'finetuned', 'finetuned', 'finetuned']);
    expect(Object.keys(preds[0]!)).toEqual(expect.arrayContaining(['prompt', 'output', 'parsed', 'gold', 'correct']));
    const scores = await readJsonl(join(dir, 'safety_scores.jsonl'));
    expect(scores).toHaveLength(4);
    for (const s of scores) expect(s.score as number).toBeGreaterThanOrEqual(0);
    expect((await readFile(join(dir, 'checkpoint_scores.csv'), 'utf8')).split('\n')[0]).toBe('checkpoint,step,dev_accuracy');
    const summary = (await readFile(join(out, 'runs', 'summary.csv'), 'utf8')).trim().split('\n');
    expect(summary).toHaveLength(2);
    expect(summary[1]).toMatch(/^smoke,gsm8k-qlora,.*,(PASS|FAIL)$/);
    const result = JSON.parse(await readFile(join(dir, 'results.json'), 'utf8')) as { chosenCheckpoint: string; passed: boolean };
    expect(result.chosenCheckpoint).toMatch(/^checkpoint-[24]$/);
    expect(lines.join('\n')).toMatch(/gsm8k accuracy .*\n.*safety rate/);
  });
});
