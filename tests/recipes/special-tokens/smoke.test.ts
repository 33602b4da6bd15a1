import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, presetFile, runRecipe } from '../../../recipes/index.js';
import { specialTokens } from '../../../recipes/special-tokens/recipe.js';
import { testDevice } from '../../helpers/gpu.js';

describe('npx recipe special-tokens --smoke', () => {
  // The scripted teacher, for speed; local-teacher.test.ts checks the default one.
  it('runs tokens → data → validate → train → eval and writes every output', async () => {
    const out = await mkdtemp(join(tmpdir(), 'wgml-st-smoke-'));
    const config = await loadConfig(specialTokens.schema, { files: [presetFile('special-tokens', 'default'), presetFile('special-tokens', 'smoke')], sets: [`output_dir=${out}/special-tokens`, 'run_name=smoke', 'teacher.mode=scripted'] });
    const lines: string[] = [];
    const r = await runRecipe(specialTokens, config, { device: await testDevice(), log: (l) => lines.push(l) });
    for (const f of ['model/tokenizer.json', 'teacher.jsonl', 'report.md', 'valid.jsonl', 'adapter/adapter_model.safetensors', 'eval_preds.jsonl', 'results.json']) expect(existsSync(join(r.dir, f)), f).toBe(true);
    const results = JSON.parse(await readFile(join(r.dir, 'results.json'), 'utf8')) as { validation: { valid_rate: number }; base: { n: number } };
    expect(results.validation.valid_rate).toBe(1);
    expect(results.base.n).toBe(4);
    expect(await readFile(join(out, 'summary.csv'), 'utf8')).toContain('special-tokens');
  });
});
