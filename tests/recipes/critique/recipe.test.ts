// The whole pipeline through the kit on the two shipped tiny models, a few questions and tokens.
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CritiqueConfigSchema } from '../../../recipes/critique/config.js';
import { critique } from '../../../recipes/critique/recipe.js';
import { runRecipe } from '../../../recipes/kit/recipe.js';
import { testDevice } from '../../helpers/gpu.js';

const tiny = (outputDir: string, over: object = {}) => CritiqueConfigSchema.parse({
  run_name: 'r', output_dir: outputDir,
  data: { limit: 4, prompt_template: '{problem}' },
  generate: { n: 3, max_tokens: 8, chunk_size: 2 },
  ...over,
});

describe('npx recipe critique', async () => {
  const device = await testDevice();

  it('runs every step and leaves chunks, merged files, the filtered set, critique rows and train.jsonl', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'critique-run-')), 'runs');
    const { dir } = await runRecipe(critique, tiny(out), { device, log: () => undefined });
    expect((await readdir(join(dir, 'chunks'))).sort()).toEqual(['qwen3-tiny-b_chunk_0.json', 'qwen3-tiny-b_chunk_1.json', 'qwen3-tiny_chunk_0.json', 'qwen3-tiny_chunk_1.json']);
    for (const f of ['merged/qwen3-tiny.json', 'merged/qwen3-tiny-b.json', 'filtered.json', 'removed.json', 'critique.jsonl', 'train.jsonl', 'worker_config.json']) expect(existsSync(join(dir, f)), f).toBe(true);
    const results = JSON.parse(await readFile(join(dir, 'results.json'), 'utf8')) as { filter: { questions: number; kept: number; removed: number } };
    expect(results.filter.questions).toBe(4);
    expect(results.filter.kept + results.filter.removed).toBe(4);
  });

  it('fails on a model directory that does not load before sampling any model', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'critique-bad-')), 'runs');
    const run = runRecipe(critique, tiny(out, { other_models: [join(out, 'missing-model')] }), { device, log: () => undefined });
    await expect(run).rejects.toThrow(/model .*missing-model does not load/);
    expect(existsSync(join(out, 'r', 'chunks'))).toBe(false);
  });
});
