import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../recipes/kit/config.js';
import { presetFile } from '../../../recipes/kit/paths.js';
import { runRecipe } from '../../../recipes/kit/recipe.js';
import { JsonFormatConfigSchema } from '../../../recipes/json-format/config.js';
import { jsonFormat } from '../../../recipes/json-format/recipe.js';
import { testDevice } from '../../helpers/gpu.js';

const device = await testDevice();
const out = await mkdtemp(join(tmpdir(), 'wgml-json-format-'));
const dir = join(out, 'runs', 'json-format', 'smoke');
const config = await loadConfig(JsonFormatConfigSchema, {
  files: [presetFile('json-format', 'default'), presetFile('json-format', 'smoke')],
  sets: [`output_dir=${join(out, 'runs', 'json-format')}`, 'run_name=smoke'],
});

describe('a json-format smoke run on the shipped tiny default', () => {
  it('writes every output file and a summary row, and compare shows all three rows', { timeout: 600_000 }, async () => {
    const lines: string[] = [];
    await runRecipe(jsonFormat, config, { device, log: (l) => lines.push(l) });
    for (const file of ['config_resolved.json', 'train.jsonl', 'eval.jsonl', 'stats.json', 'stats.md', 'adapter/adapter_model.safetensors', 'checkpoints/checkpoint-2', 'metrics.jsonl', 'tensorboard', 'curves.png', 'loss_curve.svg', 'base_eval.json', 'constrained_eval.json', 'eval_preds.jsonl', 'results.json']) {
      expect(existsSync(join(dir, file)), file).toBe(true);
    }
    expect(await readdir(join(dir, 'generations'))).toEqual(['step-00000.jsonl', 'step-00001.jsonl', 'step-00002.jsonl']);
    const metrics = (await readFile(join(dir, 'metrics.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { step: number; scalars?: Record<string, number> });
    expect(metrics.map((m) => [m.step, m.scalars?.format_success_rate !== undefined])).toEqual([[0, true], [1, true], [2, true]]);
    const png = decode(await readFile(join(dir, 'curves.png')));
    expect([png.width, png.height]).toEqual([640, 480]);
    const results = JSON.parse(await readFile(join(dir, 'results.json'), 'utf8')) as Record<string, { format_success_rate: number; n: number }>;
    expect(['base', 'constrained', 'tuned'].map((m) => results[m]!.n)).toEqual([4, 4, 4]);
    const preds = (await readFile(join(dir, 'eval_preds.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { model: string; output: string });
    expect(preds.map((p) => p.model)).toEqual([...Array(4).fill('base'), ...Array(4).fill('constrained'), ...Array(4).fill('tuned')]);
    // Constrained replies start as JSON objects even when max_new_tokens (12 here) cuts them short.
    expect(preds.filter((p) => p.model === 'constrained').every((p) => p.output.trimStart().startsWith('{'))).toBe(true);
    const csv = (await readFile(join(out, 'runs', 'summary.csv'), 'utf8')).trim().split('\n');
    expect(csv[0]).toContain('base_format_success_rate,constrained_format_success_rate,format_success_rate');
    expect(csv[1]).toMatch(/^smoke,json-format,.*,(PASS|FAIL)$/);
    expect(lines.join('\n')).toMatch(/metric +base +base \+ constrained +tuned\n.*\nformat_success_rate .*\n.*duplicate_json_objects_rate/);
    const shown: string[] = [];
    await runRecipe(jsonFormat, config, { device, step: 'compare', args: { n: 2 }, log: (l) => shown.push(l) });
    expect(shown.join('\n')).toMatch(/#0 .*\n {2}base .*\n {2}constrained .*\n {2}tuned /);
  });
});
