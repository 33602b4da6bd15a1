import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Gsm8kQloraConfigSchema } from '../../../recipes/gsm8k-qlora/config.js';
import { gsm8kQlora } from '../../../recipes/gsm8k-qlora/recipe.js';
import { loadConfig } from '../../../recipes/kit/config.js';
import { presetFile } from '../../../recipes/kit/paths.js';
import { runRecipe } from '../../../recipes/kit/recipe.js';
import { ConfigError } from '../../../src/errors.js';
import { MAX_RECORD_BYTES } from '../../../src/io/dataset.js';

const load = (sets: string[]) => loadConfig(Gsm8kQloraConfigSchema, { files: [presetFile('gsm8k-qlora', 'smoke')], sets });

describe('data.max_record_bytes', () => {
  it('defaults to the reader’s bound (1 MiB), from the schema alone', async () => {
    expect((await load([])).data.max_record_bytes).toBe(MAX_RECORD_BYTES);
    expect(Gsm8kQloraConfigSchema.parse({}).data.max_record_bytes).toBe(MAX_RECORD_BYTES);
  });

  it('must be a positive integer', async () => {
    await expect(load(['data.max_record_bytes=0'])).rejects.toThrow(/max_record_bytes/);
  });

  it('a record over the configured bound stops the run before tokenizing, naming the file line and the bound', async () => {
    const root = await mkdtemp(join(tmpdir(), 'wgml-bound-'));
    const file = join(root, 'train.jsonl');
    const record = (q: string) => JSON.stringify({ question: q, answer: 'It is 4.\n#### 4' });
    await writeFile(file, [record('What is 2+2?'), record('x'.repeat(400))].join('\n') + '\n');
    const c = await load([`output_dir=${join(root, 'runs', 'g')}`, 'run_name=b', `data.train_file=${file}`, 'data.max_record_bytes=300']);
    const error = await runRecipe(gsm8kQlora, c, { log: () => {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/train\.jsonl:2\b.*\b300\b/);
    expect(existsSync(join(root, 'runs')), 'the failed start leaves no run directory').toBe(false);
  });
});
