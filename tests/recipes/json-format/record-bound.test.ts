import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JsonFormatConfigSchema } from '../../../recipes/json-format/config.js';
import { jsonFormat } from '../../../recipes/json-format/recipe.js';
import { loadConfig } from '../../../recipes/kit/config.js';
import { presetFile } from '../../../recipes/kit/paths.js';
import { runRecipe } from '../../../recipes/kit/recipe.js';
import { ConfigError } from '../../../src/errors.js';
import { MAX_RECORD_BYTES } from '../../../src/io/dataset.js';

const load = (sets: string[]) => loadConfig(JsonFormatConfigSchema, { files: [presetFile('json-format', 'default'), presetFile('json-format', 'smoke')], sets });
const task = (prompt: string) => JSON.stringify({ prompt, output: { name: 'Ada' } });

async function ownFiles(trainLines: string[]): Promise<{ root: string; train: string; eval: string }> {
  const root = await mkdtemp(join(tmpdir(), 'wgml-jf-bound-'));
  const [train, evalFile] = [join(root, 'train.jsonl'), join(root, 'eval.jsonl')];
  await writeFile(train, trainLines.join('\n') + '\n');
  await writeFile(evalFile, task('Name?') + '\n');
  return { root, train, eval: evalFile };
}

describe('json-format data.max_record_bytes', () => {
  it('defaults to the reader’s bound (1 MiB), from the schema alone', async () => {
    expect((await load([])).data.max_record_bytes).toBe(MAX_RECORD_BYTES);
    expect(JsonFormatConfigSchema.parse({}).data.max_record_bytes).toBe(MAX_RECORD_BYTES);
  });

  it('must be a positive integer', async () => {
    await expect(load(['data.max_record_bytes=0'])).rejects.toThrow(/max_record_bytes/);
  });

  it('a row of your own file over the bound stops the data step, naming the file, line and bound', async () => {
    const f = await ownFiles([task('Who is it?'), task('x'.repeat(400))]);
    const c = await load([`output_dir=${join(f.root, 'runs', 'j')}`, 'run_name=b', `data.train_file=${f.train}`, `data.eval_file=${f.eval}`, 'data.max_record_bytes=300']);
    const error = await runRecipe(jsonFormat, c, { step: 'data', log: () => {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/train\.jsonl:2: record is over 300 bytes/);
    expect(existsSync(join(f.root, 'runs')), 'the failed start leaves no run directory').toBe(false);
  });

  it('rows within the bound are read', async () => {
    const f = await ownFiles([task('Who is it?'), task('x'.repeat(200))]);
    const c = await load([`output_dir=${join(f.root, 'runs', 'j')}`, 'run_name=b', `data.train_file=${f.train}`, `data.eval_file=${f.eval}`, 'data.max_record_bytes=300']);
    await runRecipe(jsonFormat, c, { step: 'data', log: () => {} });
    expect(existsSync(join(f.root, 'runs', 'j', 'b', 'train.jsonl'))).toBe(true);
  });
});
