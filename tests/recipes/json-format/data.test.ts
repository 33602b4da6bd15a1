import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENTITIES } from '../../../recipes/data/json-entities.js';
import { JsonFormatConfigSchema } from '../../../recipes/json-format/config.js';
import { generateSplits, readTasks, splitStats } from '../../../recipes/json-format/data.js';
import { loadConfig } from '../../../recipes/kit/config.js';
import { presetFile } from '../../../recipes/kit/paths.js';

const data = (over: object) => JsonFormatConfigSchema.parse({ data: over }).data;

describe('json-format data', () => {
  it('draws n_train and n_eval tasks with no eval prompt among the training prompts', () => {
    const { train, eval: evalTasks } = generateSplits(data({ n_train: 120, n_eval: 40 }));
    expect([train.length, evalTasks.length]).toEqual([120, 40]);
    const seen = new Set(train.map((t) => t.prompt));
    expect(evalTasks.filter((t) => seen.has(t.prompt))).toEqual([]);
  });

  it('follows hard_negative_prob_eval and grades eval by eval_strictness', () => {
    const { eval: evalTasks } = generateSplits(data({ n_eval: 200, hard_negative_prob_eval: 1, eval_strictness: 'easy' }));
    expect(evalTasks.every((t) => t.negative !== null && t.strictness === 'easy')).toBe(true);
    expect(new Set(evalTasks.map((t) => t.negative)).size).toBe(5);
  });

  it('shows a bad earlier reply in about fix_bad_output_prob_train of the training prompts, the target still the bare object', () => {
    const { train } = generateSplits(data({ n_train: 300, fix_bad_output_prob_train: 0.5 }));
    const repairs = train.filter((t) => t.repair);
    expect(repairs.length / train.length).toBeGreaterThan(0.4);
    expect(repairs.length / train.length).toBeLessThan(0.6);
    for (const t of repairs) expect(t.prompt).toContain('A previous reply was rejected');
    expect(repairs.every((t) => t.completion === JSON.stringify(t.output))).toBe(true);
  });

  it('counts the mix in its stats', () => {
    const { train } = generateSplits(data({ n_train: 50 }));
    const s = splitStats(train);
    expect(Object.values(s.negatives).reduce((a, b) => a + b, 0)).toBe(50);
    expect(s.prompt_chars_mean).toBeGreaterThan(s.completion_chars_mean);
  });

  it('refuses a row of your own file without prompt or output, naming the line', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'wgml-jf-')), 'mine.jsonl');
    await writeFile(file, '{"prompt":"p","output":{"a":1}}\n{"prompt":"q"}\n');
    await expect(readTasks(file, 'hard')).rejects.toThrow(/mine\.jsonl:2: needs a "prompt" string and an "output" JSON object/);
  });

  it('ships default, hard-eval and hard-eval-dupfix presets that load', async () => {
    for (const p of ['default', 'hard-eval', 'hard-eval-dupfix']) await loadConfig(JsonFormatConfigSchema, { files: [presetFile('json-format', p)] });
  });

  it('with schema_position after_text puts the schema last, on its own line, over the same tasks', () => {
    const before = generateSplits(data({ n_train: 20, n_eval: 10 }));
    const after = generateSplits(data({ n_train: 20, n_eval: 10, schema_position: 'after_text' }));
    for (const [i, t] of after.eval.entries()) {
      expect(t.prompt.endsWith(`\nText: ${t.input}\nSchema:\n${JSON.stringify(t.schema)}`)).toBe(true);
      expect([t.completion, t.prompt.split('\n')[0]]).toEqual([before.eval[i]!.completion, before.eval[i]!.prompt.split('\n')[0]]);
    }
  });

  it('with schema_fields entity asks for every field of the entity, in its order', () => {
    const { train } = generateSplits(data({ n_train: 60 }));
    for (const t of train) expect(Object.keys(t.schema)).toEqual(Object.keys(ENTITIES.find((e) => e.name === t.entity)!.fields));
  });

  it('with schema_fields subset asks for 2 to 4 of the entity\'s fields, in its order', () => {
    const { train } = generateSplits(data({ n_train: 60, schema_fields: 'subset' }));
    for (const t of train) {
      const all = Object.keys(ENTITIES.find((e) => e.name === t.entity)!.fields);
      const keys = Object.keys(t.schema);
      expect(keys.length).toBeGreaterThanOrEqual(2);
      expect(keys.length).toBeLessThanOrEqual(4);
      expect(all.filter((k) => keys.includes(k))).toEqual(keys);
    }
    expect(train.some((t) => Object.keys(t.schema).length < Object.keys(ENTITIES.find((e) => e.name === t.entity)!.fields).length)).toBe(true);
  });
});
