import { describe, expect, it } from 'vitest';
import { UnsupportedSchemaError } from '../../../src/engine/constrain/index.js';
import { loadModel } from '../../../src/model/model.js';
import { JsonFormatConfigSchema } from '../../../recipes/json-format/config.js';
import { generateSplits } from '../../../recipes/json-format/data.js';
import { taskResponseFormat } from '../../../recipes/json-format/evaluate.js';
import { gradeFormat } from '../../../recipes/json-format/metrics.js';
import { testDevice } from '../../helpers/gpu.js';

const device = await testDevice();
const model = await loadModel('models/qwen3-tiny', { device, quantize: 'nf4' });
const tasks = generateSplits(JsonFormatConfigSchema.parse({ data: { n_train: 4, n_eval: 8 } }).data).eval;
const chat = (text: string) => model.chatPrompt([{ role: 'user', content: text }], { enableThinking: false });

describe('responseFormat through Model.generateBatch on the tiny model', () => {
  it("constrains each prompt to its own task's schema: every reply is that object, or its prefix cut by max tokens", async () => {
    const outputs = await model.generateBatch(tasks.map((t) => ({ prompt: chat(t.prompt), responseFormat: taskResponseFormat(t.schema) })), { maxNewTokens: 64 });
    const grades = outputs.map((o, i) => gradeFormat(o, tasks[i]!.schema));
    grades.forEach((g, i) => expect(g.failures.filter((f) => f !== 'truncated'), outputs[i]).toEqual([]));
    expect(grades.filter((g) => g.ok).length).toBeGreaterThan(0);
    // The same prompts unconstrained: the base answers none of them with its schema's object.
    const free = await model.generateBatch(tasks.map((t) => chat(t.prompt)), { maxNewTokens: 64 });
    expect(free.filter((o, i) => gradeFormat(o, tasks[i]!.schema).ok)).toEqual([]);
  });

  it("applies options.responseFormat to every prompt: a bounded schema's valid JSON each time", async () => {
    const schema = { type: 'object', properties: { name: { type: 'string', maxLength: 8 }, ok: { type: 'boolean' }, size: { enum: ['s', 'm', 'l'] } }, required: ['name', 'ok', 'size'], additionalProperties: false };
    const outputs = await model.generateBatch(tasks.slice(0, 4).map((t) => chat(t.prompt)), { maxNewTokens: 100, responseFormat: { type: 'json_schema', json_schema: { name: 'item', schema } } });
    for (const text of outputs) {
      const value = JSON.parse(text) as { name: string; ok: boolean; size: string };
      expect([Object.keys(value).sort(), typeof value.name, value.name.length <= 8, typeof value.ok, ['s', 'm', 'l'].includes(value.size)], text).toEqual([['name', 'ok', 'size'], 'string', true, 'boolean', true]);
    }
  });

  it('refuses a batch whose later prompt has an unsupported schema, naming the keyword, and runs none of it', async () => {
    const before = { ...model.engine.stats, finished: { ...model.engine.stats.finished } };
    const bad = { type: 'json_schema', json_schema: { schema: { type: 'string', pattern: '^a' } } };
    await expect(model.generateBatch([{ prompt: chat('a') }, { prompt: chat('b') }, { prompt: chat('c'), responseFormat: bad }])).rejects.toThrow(UnsupportedSchemaError);
    await expect(model.generateBatch([{ prompt: chat('c'), responseFormat: bad }])).rejects.toThrow(/pattern/);
    await model.generate(chat('d'), { maxNewTokens: 2 });
    const s = model.engine.stats;
    // Two requests queued before the bad one were cancelled unprefilled; only the last call ran.
    expect([s.finished.abort - before.finished.abort, s.prefillSteps - before.prefillSteps, s.generatedTokens - before.generatedTokens <= 2]).toEqual([2, 1, true]);
  });
});
