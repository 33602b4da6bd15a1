import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { curvesPng } from '../../../recipes/kit/curves.js';
import { readHistory, scalarSeries, trainingSteps } from '../../../recipes/kit/history.js';
import { runRecipe, type Recipe } from '../../../recipes/kit/recipe.js';
import { appendCsvRow } from '../../../recipes/kit/report.js';
import { runName } from '../../../recipes/kit/run-dir.js';
import { RECIPES } from '../../../recipes/index.js';

const tmp = () => mkdtemp(join(tmpdir(), 'wgml-kit-'));

function toyRecipe(order: string[]): Recipe {
  const step = (name: string, alone = false) => ({ name, summary: name, alone, run: async () => void order.push(name) });
  return {
    name: 'toy',
    summary: 'toy',
    schema: z.object({ preset: z.string(), run_name: z.string().nullable(), output_dir: z.string(), model: z.string() }),
    defaultPreset: 'default',
    steps: [step('a'), step('b'), step('peek', true)],
    finish: async (ctx) => {
      await ctx.run.addResults({ done: true });
      return { table: 'TABLE', passed: true };
    },
  };
}

const toyConfig = (outputDir: string) => ({ preset: 'default', run_name: 'r1', output_dir: outputDir, model: 'models/qwen3-tiny' });

describe('the recipe kit', () => {
  it('runs the pipeline in order, skips steps that run only by name, and writes config_resolved.json and results.json', async () => {
    const out = await tmp();
    const order: string[] = [];
    const lines: string[] = [];
    const r = await runRecipe(toyRecipe(order), toyConfig(out), { log: (l) => lines.push(l) });
    expect(order).toEqual(['a', 'b']);
    expect(JSON.parse(await readFile(join(r.dir, 'results.json'), 'utf8'))).toEqual({ done: true });
    expect(JSON.parse(await readFile(join(r.dir, 'config_resolved.json'), 'utf8'))).toMatchObject({ run_name: 'r1', preset: 'default' });
    expect(lines.at(-1)).toContain('TABLE');
  });

  it('runs one named step alone on an existing run, and refuses a run that does not exist', async () => {
    const out = await tmp();
    const order: string[] = [];
    await runRecipe(toyRecipe(order), toyConfig(out), { log: () => {} });
    await runRecipe(toyRecipe(order), toyConfig(out), { step: 'peek', log: () => {} });
    expect(order).toEqual(['a', 'b', 'peek']);
    await expect(runRecipe(toyRecipe(order), { ...toyConfig(out), run_name: 'nope' }, { step: 'b', log: () => {} })).rejects.toThrow(/does not exist/);
    await expect(runRecipe(toyRecipe(order), toyConfig(out), { step: 'zzz', log: () => {} })).rejects.toThrow(/has no step 'zzz' \(steps: a, b, peek\)/);
  });

  it('names a run <preset>-<timestamp> unless run_name is set', () => {
    expect(runName({ preset: 'simple', run_name: null }, new Date('2026-01-02T03:04:05Z'))).toBe('simple-20260102-030405');
    expect(runName({ preset: 'simple', run_name: 'mine' })).toBe('mine');
  });

  it('registers gsm8k-qlora and json-format among the recipes', () => {
    expect(RECIPES.map((r) => r.name)).toEqual(expect.arrayContaining(['gsm8k-qlora', 'json-format']));
  });
});

describe('runs/summary.csv', () => {
  it('adds a later recipe’s new columns at the end of the header, keeping earlier rows', async () => {
    const file = join(await tmp(), 'summary.csv');
    await appendCsvRow(file, ['run', 'accuracy'], { run: 'a', accuracy: 0.5 });
    await appendCsvRow(file, ['run', 'format_success_rate'], { run: 'b', format_success_rate: 0.9 });
    expect(await readFile(file, 'utf8')).toBe('run,accuracy,format_success_rate\na,0.5\nb,,0.9\n');
  });
});

describe('metrics history', () => {
  it('merges the step-0 eval line with training lines and keeps the last line of a step', async () => {
    const dir = await tmp();
    const lines = [{ step: 0, scalars: { f: 0 } }, { step: 1, loss: 3, scalars: { f: 0.1 } }, { step: 1, loss: 2.5, scalars: { f: 0.2 } }, { step: 2, loss: 2 }];
    await writeFile(join(dir, 'metrics.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const history = await readHistory(dir);
    expect(trainingSteps(history).map((m) => [m.step, m.loss])).toEqual([[1, 2.5], [2, 2]]);
    expect(scalarSeries(history, 'f')).toEqual([[0, 0], [1, 0.2]]);
  });
});

describe('curve images', () => {
  it('are PNGs with one panel per series and their captions in a tEXt chunk', () => {
    const png = decode(curvesPng([{ name: 'loss', points: [[1, 3], [2, 2]], color: [0, 0, 255] }, { name: 'rate', points: [[0, 0], [2, 1]], color: [0, 128, 0], range: [0, 1] }], 'title'));
    expect([png.width, png.height, png.channels]).toEqual([640, 480, 3]);
    expect(png.text.Description).toMatch(/panel 1: loss .*panel 2: rate/);
    const pixels = png.data as Uint8Array;
    let blue = 0;
    for (let i = 0; i < pixels.length; i += 3) if (pixels[i] === 0 && pixels[i + 1] === 0 && pixels[i + 2] === 255) blue++;
    expect(blue).toBeGreaterThan(100);
  });
});
