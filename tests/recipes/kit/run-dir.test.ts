import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { gsm8kQlora } from '../../../recipes/gsm8k-qlora/recipe.js';
import { loadConfig } from '../../../recipes/kit/config.js';
import { presetFile } from '../../../recipes/kit/paths.js';
import { runRecipe, type Recipe, type StepContext } from '../../../recipes/kit/recipe.js';
import { appendCsvRow, csvRecords } from '../../../recipes/kit/report.js';
import { Gsm8kQloraConfigSchema } from '../../../recipes/gsm8k-qlora/config.js';

const tmp = () => mkdtemp(join(tmpdir(), 'wgml-rundir-'));
type Ctx = StepContext<{ preset: string; run_name: string | null; output_dir: string; model: string }>;

/** A two-step recipe whose steps do what the test says, and whose finish writes the summary row. */
function recipe(first: (ctx: Ctx) => Promise<void>, second: (ctx: Ctx) => Promise<void> = async () => {}): Recipe {
  return {
    name: 'toy',
    summary: 'toy',
    schema: z.object({ preset: z.string(), run_name: z.string().nullable(), output_dir: z.string(), model: z.string() }),
    defaultPreset: 'default',
    steps: [{ name: 'a', summary: 'a', run: first }, { name: 'b', summary: 'b', run: second }],
    finish: async (ctx) => {
      await ctx.run.appendSummary(['accuracy'], { accuracy: 0.5 });
      return { table: '', passed: true };
    },
  };
}

const config = (root: string, run = 'r1') => ({ preset: 'default', run_name: run, output_dir: join(root, 'runs', 'toy'), model: 'models/qwen3-tiny' });
const log = () => {};

describe('runs/summary.csv', () => {
  it('holds one row per run: a resumed finished run replaces its row instead of adding another', async () => {
    const root = await tmp();
    const toy = recipe(async () => {});
    await runRecipe(toy, config(root), { log });
    await runRecipe(toy, config(root, 'r2'), { log });
    await runRecipe(toy, config(root), { log, resume: true });
    await runRecipe(toy, config(root), { log, resume: true });
    const rows = csvRecords(await readFile(join(root, 'runs', 'summary.csv'), 'utf8')).slice(1).map((r) => r.cells[0]);
    expect(rows).toEqual(['r1', 'r2']);
  });

  it('replacing a row keeps the other rows byte for byte, quoted newlines included', async () => {
    const file = join(await tmp(), 'summary.csv');
    await appendCsvRow(file, ['run', 'note'], { run: 'a', note: 'two\nlines, "quoted"' }, ['run']);
    await appendCsvRow(file, ['run', 'note'], { run: 'b', note: 'x' }, ['run']);
    await appendCsvRow(file, ['run', 'note'], { run: 'b', note: 'y' }, ['run']);
    expect(await readFile(file, 'utf8')).toBe('run,note\na,"two\nlines, ""quoted"""\nb,y\n');
  });

  it('a file that already repeats a run keeps one row for it', async () => {
    const file = join(await tmp(), 'summary.csv');
    await writeFile(file, 'run,recipe,v\nr,toy,1\nq,toy,2\nr,toy,3\n');
    await appendCsvRow(file, ['run', 'recipe', 'v'], { run: 'r', recipe: 'toy', v: 4 }, ['run', 'recipe']);
    expect(await readFile(file, 'utf8')).toBe('run,recipe,v\nr,toy,4\nq,toy,2\n');
  });
});

describe('a reopened run', () => {
  it('loses the temporary files a killed write left, keeping the files they were to replace', async () => {
    const root = await tmp();
    const dir = join(root, 'runs', 'toy', 'r1');
    await mkdir(dir, { recursive: true });
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    await writeFile(join(dir, 'base_eval.json'), '{}');
    await writeFile(join(dir, `.eval_preds.jsonl.${dead}.00aa11bb22cc.tmp`), '{"torn":');
    await runRecipe(recipe(async () => {}), config(root), { step: 'a', log });
    expect((await readdir(dir)).sort()).toEqual(['base_eval.json', 'config_resolved.json']);
  });
});

describe('a failed start', () => {
  it('leaves no run directory, nor the runs/<recipe> folders made for it', async () => {
    const root = await tmp();
    const toy = recipe(async () => {
      throw new Error('bad model directory');
    });
    await expect(runRecipe(toy, config(root), { log })).rejects.toThrow(/bad model directory/);
    expect(existsSync(join(root, 'runs'))).toBe(false);
  });

  it('removes what the step had copied in before failing (inputs, not progress)', async () => {
    const root = await tmp();
    await mkdir(join(root, 'runs', 'toy'), { recursive: true });
    const toy = recipe(async (ctx) => {
      await ctx.run.writeJsonl('few_shot_pool.jsonl', [{ q: 1 }]);
      throw new Error('bad data file');
    });
    await expect(runRecipe(toy, config(root), { log })).rejects.toThrow(/bad data file/);
    expect(existsSync(join(root, 'runs', 'toy', 'r1'))).toBe(false);
    expect(existsSync(join(root, 'runs', 'toy')), 'the folder that existed before stays').toBe(true);
  });

  it('a failure after a step left something to resume from keeps the run for --resume', async () => {
    const root = await tmp();
    const toy = recipe(
      async (ctx) => void (await ctx.run.addResults({ a: 1 })),
      async () => {
        throw new Error('out of memory');
      },
    );
    await expect(runRecipe(toy, config(root), { log })).rejects.toThrow(/out of memory/);
    expect(existsSync(join(root, 'runs', 'toy', 'r1', 'results.json'))).toBe(true);
  });

  it('a failure in a training step that wrote checkpoints keeps them', async () => {
    const root = await tmp();
    const toy = recipe(async (ctx) => {
      await mkdir(ctx.run.path('checkpoints', 'checkpoint-10'), { recursive: true });
      throw new Error('killed by the user');
    });
    await expect(runRecipe(toy, config(root), { log })).rejects.toThrow(/killed/);
    expect(existsSync(join(root, 'runs', 'toy', 'r1', 'checkpoints', 'checkpoint-10'))).toBe(true);
  });

  it('a failure on a run directory that existed before removes nothing', async () => {
    const root = await tmp();
    await runRecipe(recipe(async () => {}), config(root), { log });
    await expect(runRecipe(recipe(async () => Promise.reject(new Error('later failure'))), config(root), { log, resume: true })).rejects.toThrow(/later failure/);
    expect(existsSync(join(root, 'runs', 'toy', 'r1', 'config_resolved.json'))).toBe(true);
  });

  it('gsm8k-qlora with a data file that does not exist leaves no run directory', async () => {
    const root = await tmp();
    const c = await loadConfig(Gsm8kQloraConfigSchema, { files: [presetFile('gsm8k-qlora', 'smoke')], sets: [`output_dir=${join(root, 'runs', 'gsm8k-qlora')}`, 'run_name=bad', `data.train_file=${join(root, 'missing.jsonl')}`] });
    await expect(runRecipe(gsm8kQlora, c, { log })).rejects.toThrow(/missing\.jsonl/);
    expect(existsSync(join(root, 'runs'))).toBe(false);
  });
});
