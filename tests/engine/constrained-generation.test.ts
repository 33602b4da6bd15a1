import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import { UnsupportedSchemaError } from '../../src/engine/constrain/index.js';
import { loadModel } from '../../src/model/model.js';
import { testDevice } from '../helpers/gpu.js';

const device = await testDevice();
const model = await loadModel('models/qwen3-tiny', { device });
const engine = new Engine(model);

async function complete(format: Record<string, unknown>, seed: number, temperature = 0.9): Promise<{ text: string; finish: string | undefined }> {
  const ids = model.tokenizer.encode(model.chatPrompt([{ role: 'user', content: 'Give the answer as JSON.' }]), { addSpecialTokens: false });
  let text = '';
  let finish: string | undefined;
  for await (const e of engine.submit({ ids, maxNewTokens: 100, responseFormat: format, sampling: { temperature, seed } })) {
    text += e.text;
    finish = e.finish;
  }
  return { text, finish };
}

const schema = {
  type: 'object',
  properties: { name: { type: 'string', maxLength: 12 }, count: { type: 'integer' }, ok: { type: 'boolean' }, tags: { type: 'array', items: { enum: ['a', 'b'] }, maxItems: 3 } },
  required: ['name', 'count', 'ok', 'tags'],
};

describe('constrained generation in the engine', () => {
  it('gives one JSON object for json_object whenever it ends before max tokens, and a valid prefix otherwise', async () => {
    for (const seed of [1, 2, 3]) {
      const { text, finish } = await complete({ type: 'json_object' }, seed);
      expect(text.trimStart().startsWith('{'), text).toBe(true);
      if (finish !== 'stop') continue;
      const value = JSON.parse(text) as unknown;
      expect(typeof value === 'object' && value !== null && !Array.isArray(value), text).toBe(true);
    }
  });

  it('caps runs of whitespace-only tokens, so a model cannot stall between values', async () => {
    const { text } = await complete({ type: 'json_object' }, 9);
    expect(text).not.toMatch(/^\s*\{\s{3,}/);
  });

  it('gives JSON matching a json_schema: required keys and their types', async () => {
    for (const seed of [5, 6, 7]) {
      const { text, finish } = await complete({ type: 'json_schema', json_schema: { name: 'answer', schema } }, seed);
      expect(finish, text).toBe('stop');
      const v = JSON.parse(text) as { name: string; count: number; ok: boolean; tags: string[] };
      expect(Object.keys(v).sort()).toEqual(['count', 'name', 'ok', 'tags']);
      expect([typeof v.name, Number.isInteger(v.count), typeof v.ok, v.tags.every((t) => t === 'a' || t === 'b')]).toEqual(['string', true, 'boolean', true]);
    }
  });

  it('constrains greedy rows too, sharing a step with unconstrained ones', async () => {
    const bounded = { type: 'json_schema', json_schema: { schema } };
    const ids = model.tokenizer.encode('Tom has 3 apples.');
    const [free, constrained] = await Promise.all([
      (async () => { let t = ''; for await (const e of engine.submit({ ids, maxNewTokens: 20 })) t += e.text; return t; })(),
      complete(bounded, 0, 0),
    ]);
    expect(free).toBe(await model.generate('Tom has 3 apples.', { maxNewTokens: 20 }));
    expect(() => JSON.parse(constrained.text)).not.toThrow();
  });

  it('refuses a schema keyword it cannot enforce, naming it, before anything runs', () => {
    expect(() => engine.submit({ ids: [1, 2], responseFormat: { type: 'json_schema', json_schema: { schema: { type: 'string', pattern: '^a' } } } })).toThrow(UnsupportedSchemaError);
    expect(engine.queueDepth).toBe(0);
  });
});
